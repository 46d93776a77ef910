#!/usr/bin/env bash
# Scenario 08: the CHILD_SA each agent negotiates with the controller in IKE_AUTH is in the kernel on both
# sides (transport mode between the two underlay addresses, the SPIs the agent reports), so traffic between
# CPE and controller (iBGP) is ESP with its SPIs while IKE itself still flows beside it (a liveness check is
# answered); the controller's stop takes all of its states and policies out of its kernel.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 2
nl_start_all
ctl=${NL_UL[4,ctl]}

# Both ends hold the pair of states with the SPIs the agent reports, in transport mode.
declare -A CIN COUT
for i in 1 2; do
  cpe=${NL_UL[4,$i]}
  child=$(nl_agent_status "$i" | jq -r '.child_sa | "\(.inbound_spi) \(.outbound_spi) \(.mode) \(.installed)"')
  read -r cin cout mode inst <<<"$child"
  [ "$mode $inst" = "transport true" ] ||
    nl_fail "cpe$i reports its CHILD_SA with the controller as '$child', expected transport mode, installed"
  CIN[$i]=$(nl_spi "$cin") COUT[$i]=$(nl_spi "$cout")
  has() { nl_xfrm_all_states "$1" | awk -v s="$2" -v d="$3" -v p="$4" '$1 == s && $2 == d && $3 == p && $4 == "transport" { f = 1 } END { exit !f }'; }
  installed() {
    has "cpe$i" "$ctl" "$cpe" "${CIN[$i]}" && has "cpe$i" "$cpe" "$ctl" "${COUT[$i]}" &&
      has ctl "$cpe" "$ctl" "${COUT[$i]}" && has ctl "$ctl" "$cpe" "${CIN[$i]}"
  }
  nl_wait 20 "the CHILD_SA of cpe$i (in ${CIN[$i]} out ${COUT[$i]}) on cpe$i and on the controller" installed
  [ "$(nl_xfrm_policy_keys "cpe$i" | awk -v c="$ctl/32" -v p="$cpe/32" '$2 == p && $3 == c && $1 == "out" && $7 == "transport"' | wc -l)" = 1 ] ||
    nl_fail "cpe$i has no transport out policy $cpe -> $ctl: $(nl_xfrm_policy_keys "cpe$i" | tr '\n' ';')"
  [ "$(nl_xfrm_policy_keys ctl | awk -v c="$ctl/32" -v p="$cpe/32" '$2 == c && $3 == p && $1 == "out" && $7 == "transport"' | wc -l)" = 1 ] ||
    nl_fail "the controller has no transport out policy $ctl -> $cpe: $(nl_xfrm_policy_keys ctl | tr '\n' ';')"
  nl_log "cpe$i <-> controller: CHILD_SA in ${CIN[$i]} out ${COUT[$i]} installed on both sides"
done

# Traffic between CPE and controller is ESP with the CHILD_SA's SPIs; IKE (UDP 500) stays plain beside it.
out0=$(nl_xfrm_packets cpe1 "${COUT[1]}" "$ctl")
in0=$(nl_xfrm_packets ctl "${COUT[1]}" "$ctl")
nl_capture_start child
nl_ping cpe1 "$ctl" 5 0.2 || nl_fail "cpe1 -> controller: $NL_RX of $NL_TX echoes answered through the CHILD_SA"
nl_control "$NL_DIR/cpe1.sock" check-liveness >/dev/null || nl_fail "cpe1's control socket refused check-liveness"
sleep 2
nl_capture_stop child
cpe=${NL_UL[4,1]}
plain=$(nl_capture_read child "icmp and host $cpe and host $ctl")
[ -z "$plain" ] || nl_fail "plain ICMP between cpe1 and the controller: $(head -n 2 <<<"$plain" | tr '\n' ' ')"
up=$(nl_capture_esp_count child "${COUT[1]}" "esp and src $cpe and dst $ctl")
down=$(nl_capture_esp_count child "${CIN[1]}" "esp and src $ctl and dst $cpe")
[ "$up" -ge 5 ] && [ "$down" -ge 5 ] ||
  nl_fail "ESP on the underlay: $up packets cpe1->controller with SPI ${COUT[1]}, $down back with ${CIN[1]}; expected 5 each"
ike=$(nl_capture_read child "udp port 500 and host $cpe and host $ctl" | wc -l)
[ "$ike" -ge 2 ] || nl_fail "the liveness check did not travel as plain IKE (UDP 500) beside the CHILD_SA: $ike packets"
grep -q "controller answered the liveness check" "$NL_DIR/cpe1.log" ||
  [ "$(nl_agent_status 1 | jq -r .controller.state)" = connected ] || nl_fail "cpe1 lost its IKE SA after the liveness check"
out1=$(nl_xfrm_packets cpe1 "${COUT[1]}" "$ctl")
in1=$(nl_xfrm_packets ctl "${COUT[1]}" "$ctl")
[ $((out1 - ${out0:-0})) -ge 5 ] && [ $((in1 - ${in0:-0})) -ge 5 ] ||
  nl_fail "ip -s xfrm state: cpe1's outbound counted $((out1 - ${out0:-0})), the controller's inbound $((in1 - ${in0:-0})); expected 5 each"
nl_log "cpe1 -> controller: $up ESP packets with ${COUT[1]}, $down back with ${CIN[1]}, $ike IKE packets beside them"

# The controller's stop removes its CHILD_SAs (its states and policies), and the agents remove theirs when
# the IKE SA is deleted.
nl_stop ctl TERM 20 || nl_fail "the controller did not exit within 20 s of SIGTERM"
[ -z "$(nl_xfrm_all_states ctl)" ] || nl_fail "the controller left states behind: $(nl_xfrm_all_states ctl | tr '\n' ';')"
[ -z "$(ip -n ctl xfrm policy)" ] || nl_fail "the controller left policies behind: $(nl_xfrm_policy_keys ctl | tr '\n' ';')"
gone() { [ -z "$(nl_xfrm_child_states cpe1)" ] && [ -z "$(nl_xfrm_child_states cpe2)" ]; }
nl_wait 20 "the agents to remove their CHILD_SA after the controller's Delete" gone
nl_log "controller stopped: no state or policy left on it; the agents removed their CHILD_SAs"
nl_pass
