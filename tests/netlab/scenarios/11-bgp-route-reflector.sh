#!/usr/bin/env bash
# Scenario 11: BGP peer discovery with BIRD 2 and the shipped examples (packaging/examples/bgp: the BIRD configs and
# the mpsa configs' BGP keys): the controller's BIRD is the route reflector (dynamic neighbours), each of three CPEs
# announces its IPv4 and IPv6 LAN prefixes, and the agents follow table 100 with no static peer. Every LAN reaches
# every other. The underlay, captured from before the first daemon starts, carries between CPEs only ESP with the
# group SPI, between each CPE and the controller only ESP with its CHILD_SA's SPIs (BGP inside) beside plain IKE, and
# never plain TCP port 179. Then, with CHILD_SAs down while BIRD goes on, BGP still never crosses in plain text:
#   a. cpe3 removed from the controller's config (reload): its CHILD_SA goes, both daemons keep running;
#   b. the controller restarts (stopped for a while, its BIRD running): all CHILD_SAs go, and come back after.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bird.sh"
nl_init
nl_topology 3
NL_BGP_HOLD=12            # keepalive 4 s: the windows without CHILD_SA see keepalives, hold expiries, reconnects
ctl=${NL_UL[4,ctl]}

nl_bgp_controller_conf
# liveness 5 s: an agent that reconnected while the controller was stopping notices it gone sooner.
for i in 1 2 3; do nl_bgp_agent_conf "$i" "liveness_interval = 5s"; done
nl_bird_conf_ctl
for i in 1 2 3; do nl_bird_conf_cpe "$i"; done
nl_capture_start all
nl_bgp_start_all 1 2 3
nl_wait_group_ready 90
group=$NL_CUR

nl_wait 60 "every CPE's BGP session with the route reflector" nl_bgp_established ctl 3
nl_wait 30 "the IPv4 routes from BGP in every CPE's table 100" nl_bgp_routes_all 4
nl_poll 15 nl_bgp_routes_all 6 ||
  nl_fail "BIRD did not install the IPv6 routes (via 64:ff9b::<peer>) in table 100: cpe1: $(nl_bgp_table 1)"
nl_log "routes from the reflector in table 100 of cpe1: $(nl_bgp_table 1)"

# The agents make peers of the routes: an out policy per remote LAN towards its CPE.
policies4() { local i j; for i in 1 2 3; do for j in 1 2 3; do [ "$i" = "$j" ] || nl_xfrm_policy_keys "cpe$i" |
  awk -v n="${NL_NET[4,$j]}" -v d="${NL_UL[4,$j]}" '$1 == "out" && $3 == n && $5 == d { f = 1 } END { exit !f }' || return 1; done; done; }
policies6() { local i j; for i in 1 2 3; do for j in 1 2 3; do [ "$i" = "$j" ] || nl_xfrm_policy_keys "cpe$i" |
  awk -v n="${NL_NET[6,$j]}" -v d="${NL_UL[4,$j]}" '$1 == "out" && $3 == n && $5 == d { f = 1 } END { exit !f }' || return 1; done; done; }
nl_wait 20 "the agents' out policies for every remote IPv4 LAN" policies4
nl_bgp_pings 4 3
nl_poll 15 policies6 ||
  nl_fail "no out policies for the IPv6 LANs towards the peers' IPv4 addresses: cpe1: $(nl_xfrm_policy_keys cpe1 | grep fd00 | tr '\n' ';')"
nl_log "the agents made out policies for every remote IPv6 LAN towards the peer's IPv4 address"
nl_bgp_pings 6 3

# The CHILD_SAs' SPIs, and their counters: BGP (the only traffic between CPE and controller besides IKE) went through.
declare -A CIN COUT
for i in 1 2 3; do
  read -r cin cout <<<"$(nl_agent_status "$i" | jq -r '.child_sa | "\(.inbound_spi) \(.outbound_spi)"')"
  CIN[$i]=$(nl_spi "$cin") COUT[$i]=$(nl_spi "$cout")
  n=$(nl_xfrm_packets "cpe$i" "${COUT[$i]}" "$ctl")
  [ "${n:-0}" -gt 0 ] || nl_fail "cpe$i's outbound CHILD_SA state ${COUT[$i]} counted no packet (BGP did not go through it)"
  nl_log "cpe$i: CHILD_SA in ${CIN[$i]} out ${COUT[$i]}, ${n} packets out through it"
done
nl_check_alive

# The capture so far (start-up included): no plain BGP, ESP with the group SPI between CPEs, the CHILD_SAs' SPIs
# with the controller (and the controller's ICMP port unreachable to agents that tried IKE before it listened).
# ("down" takes over before "all" stops: no gap.)
nl_capture_start down
nl_capture_stop all
nl_bgp_underlay all "$group" "1:${CIN[1]}:${COUT[1]}" "2:${CIN[2]}:${COUT[2]}" "3:${CIN[3]}:${COUT[3]}" ||
  nl_fail "the underlay since before the first daemon: $NL_BAD"
plain=$(nl_capture_plain all)
[ -z "$plain" ] || nl_fail "non-ESP packets between CPEs on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"
for p in 1,2 1,3 2,3; do
  [ "${NL_PAIRS[$p]:-0}" -gt 0 ] || nl_fail "no ESP with the group SPI $group between cpe${p%,*} and cpe${p#*,}"
done
for i in 1 2 3; do
  [ "${NL_UP[$i]:-0}" -gt 0 ] && [ "${NL_DOWN[$i]:-0}" -gt 0 ] ||
    nl_fail "cpe$i <-> controller: ${NL_UP[$i]:-0} ESP packets with ${COUT[$i]}, ${NL_DOWN[$i]:-0} with ${CIN[$i]}"
  nl_log "cpe$i <-> controller: ${NL_UP[$i]} ESP packets up (${COUT[$i]}), ${NL_DOWN[$i]} down (${CIN[$i]}), nothing else but IKE"
done
nl_log "underlay from before the first daemon until now: no plain TCP 179, between CPEs only ESP $group"
nl_log "capture lines, cpe1 <-> controller (BGP inside the CHILD_SA):"
grep -E "IP (${NL_UL[4,1]} > $ctl|$ctl > ${NL_UL[4,1]}): ESP" "$NL_DIR/all.txt" | tail -n 6 | sed 's/^/    /'
nl_log "capture lines, cpe1 <-> cpe2 (group SA):"
grep -E "IP (${NL_UL[4,1]} > ${NL_UL[4,2]}|${NL_UL[4,2]} > ${NL_UL[4,1]}): ESP" "$NL_DIR/all.txt" | tail -n 2 | sed 's/^/    /'

# From here on, CHILD_SAs go down while BIRD goes on. The kernels' drops (no state for the guard's template).
drops() { local n; for n in "$@"; do nl_ns "$n"; ip netns exec "$NL_NS" cat /proc/net/xfrm_stat; done |
  awk '$1 == "XfrmOutNoStates" || $1 == "XfrmOutPolBlock" || $1 == "XfrmInNoPols" || $1 == "XfrmInTmplMismatch" { s += $2 } END { print s + 0 }'; }
# plain179 CAPTURE WHAT: fails the scenario if the capture holds plain TCP 179, naming who sent it.
plain179() {
  local lines
  lines=$(nl_capture_read "$1" "tcp port 179")
  [ -z "$lines" ] && return 0
  nl_fail "plain BGP on the underlay $2: $(wc -l <<<"$lines") packets, $(grep -c "IP $ctl\.179 >" <<<"$lines") of them from the controller's BIRD, e.g. $(head -n 3 <<<"$lines" | tr '\n' ' ')"
}

# a. cpe3 leaves the controller's config: the controller deletes its IKE SA and CHILD_SA, cpe3's agent is refused
# from then on; both BIRDs keep trying (keepalives, the hold expiry, reconnects) into the guards.
d0=$(drops ctl 3)
NL_MEMBERS="1 2" nl_bgp_controller_conf
out=$(nl_control "$NL_DIR/ctl.sock" reload) && [[ $out == reloaded* ]] || nl_fail "controller reload without cpe3: $out"
# (States with SPI 0 are the kernel's larval ones for the guard's ACQUIREs: no SA, they expire by themselves.)
c3() { ! nl_xfrm_child_states cpe3 | grep -qv " 00000000 " && ! nl_xfrm_all_states ctl | grep -v " 00000000 " | grep -q "${NL_UL[4,3]}"; }
nl_wait 30 "cpe3's CHILD_SA to go from both kernels after its removal" c3
nl_log "cpe3 removed (reload): its CHILD_SA is gone from both kernels; BIRD on both sides goes on for $((NL_BGP_HOLD + 4)) s"
sleep $((NL_BGP_HOLD + 4))
nl_bgp_established 3 && nl_fail "cpe3's BGP session is still established without a CHILD_SA: in plain text?"
d1=$(drops ctl 3)
[ "$d1" -gt "$d0" ] || nl_fail "the kernels of cpe3 and the controller dropped nothing: did BIRD send anything?"
nl_log "cpe3 <-> controller: BGP session down, $((d1 - d0)) packets dropped by the two kernels' guards"

# b. The controller restarts: stopped for 2 keepalives, its BIRD running all along; then started again.
nl_stop ctl TERM 20 || nl_fail "the controller did not exit within 20 s of SIGTERM"
nl_log "controller stopped (its BIRD runs on) for $((NL_BGP_HOLD / 3 * 2 + 2)) s"
sleep $((NL_BGP_HOLD / 3 * 2 + 2))
nl_start_controller
nl_wait 60 "the controller's esp_only policies for BGP after its restart" nl_bgp_guard_ready ctl
nl_wait 90 "the BGP sessions of cpe1 and cpe2 to come back after the restart" nl_bgp_established ctl 2
nl_wait 30 "the IPv4 routes between cpe1 and cpe2 after the restart" nl_bgp_routes_all 4 1 2
nl_wait 30 "lan1 and lan2 to reach each other after the restart" nl_bgp_reach 4 "1 2" "1 2"
nl_log "controller back: the BGP sessions of cpe1 and cpe2 re-established, lan1 <-> lan2 fine"
nl_capture_stop down
nl_check_alive
plain179 down "while CHILD_SAs were down (cpe3 removed, the controller restarting)"
nl_log "no plain BGP while CHILD_SAs were down"
nl_pass
