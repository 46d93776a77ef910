#!/usr/bin/env bash
# Scenario 07: every address-family combination: IPv4 over IPv4, IPv6 over IPv4, IPv4 over IPv6 and
# IPv6 over IPv6 (overlay traffic of the first family through the shared SA on an underlay of the second),
# pinging between all CPEs; and IKE itself with a controller reachable only over IPv6 (no IPv4 address).
. "$(dirname "$0")/../lib.sh"
nl_init
NL_CTL4=no nl_topology 3
nl_controller_conf "[${NL_UL[6,ctl]}]:500"

nl_capture_start ike
nl_start_controller

# check_phase UNDERLAY CAPTURE: all pairs ping in both overlay families; ESP only, with the group SPI,
# on the underlay family only.
check_phase() {
  local ul=$1 cap=$2 other n
  if [ "$ul" = 4 ]; then other=6; else other=4; fi
  nl_capture_start "$cap"
  nl_ping_pairs 4 2
  nl_ping_pairs 6 2
  nl_capture_stop "$cap"
  plain=$(nl_capture_plain "$cap")
  [ -z "$plain" ] || nl_fail "over IPv$ul: non-ESP packets on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"
  local f4=ip f6=ip6 fu fo
  eval "fu=\$f$ul fo=\$f$other"
  n=$(nl_capture_esp_count "$cap" "$NL_CUR" "$fu and esp")
  # 2 families x 6 ordered pairs x 2 echoes x 2 = 48 ESP packets.
  [ "$n" -ge 48 ] || nl_fail "over IPv$ul: only $n ESP packets with SPI $NL_CUR on the IPv$ul underlay, expected 48"
  [ "$(nl_capture_esp_count "$cap" "" "$fo and esp")" = 0 ] || nl_fail "over IPv$ul: ESP on the IPv$other underlay"
  [ "$(nl_capture_spis "$cap" | tr '\n' ' ')" = "$NL_CUR " ] || nl_fail "over IPv$ul: ESP with another SPI than $NL_CUR"
  nl_log "IPv4 and IPv6 over IPv$ul: all pairs ping, $n ESP packets with SPI $NL_CUR"
}

# ---- Phase 1: IPv4 underlay (IKE over IPv6)
nl_overlay_routes
for ((i = 1; i <= NL_CPES; i++)); do nl_agent_conf "$i" underlay=4 controller=6; nl_start_agent "$i"; done
nl_wait_group_ready 90
check_phase 4 over4
addrs=$(nl_ctl_status | jq -r '[.members[].address] | join(" ")')
nl_log "controller sees members at: $addrs"

# ---- Phase 2: IPv6 underlay: the agents stop (and clean up), restart with the IPv6 data plane.
for ((i = 1; i <= NL_CPES; i++)); do nl_stop "cpe$i" TERM 20 || nl_fail "agent cpe$i did not stop"; done
for ((i = 1; i <= NL_CPES; i++)); do
  [ -z "$(nl_xfrm_all_states "cpe$i")" ] || nl_fail "agent cpe$i left states behind on stop"
done
NL_UNDERLAY4=no nl_overlay_routes                # IPv4 subnets: routes out of eth0 without IPv4 gateway
for ((i = 1; i <= NL_CPES; i++)); do nl_agent_conf "$i" underlay=6 controller=6; nl_start_agent "$i"; done
nl_wait_group_ready 90
check_phase 6 over6

# ---- IKE: with the controller only on IPv6, no IKE over IPv4 at all.
nl_capture_stop ike
v6=$(nl_capture_read ike "ip6 and udp port 500" | wc -l)
v4=$(nl_capture_read ike "ip and udp port 500" | wc -l)
[ "$v6" -gt 0 ] || nl_fail "no IKE over IPv6 on the underlay"
[ "$v4" = 0 ] || nl_fail "$v4 IKE packets over IPv4"
nl_log "IKE: $v6 packets, all over IPv6"
nl_pass
