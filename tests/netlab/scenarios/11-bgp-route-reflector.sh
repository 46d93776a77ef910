#!/usr/bin/env bash
# Scenario 11: BGP peer discovery with BIRD 2 and the shipped examples (packaging/examples/bgp): the controller's
# BIRD is the route reflector (dynamic neighbours), each of three CPEs announces its IPv4 and IPv6 LAN prefixes, and
# the agents follow table 100 with no static peer. Every LAN reaches every other; the underlay, captured for the whole
# scenario from before the first daemon starts, carries between CPEs only ESP with the group SPI, between each CPE and
# the controller only ESP with its CHILD_SA's SPIs (BGP inside) beside plain IKE, and never plain TCP port 179.
# Then the controller stops (its BIRD goes on): with the CHILD_SAs gone, BGP still never crosses in plain text.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bird.sh"
nl_init
nl_topology 3
nl_bgp_features
NL_BGP_HOLD=12            # keepalive 4 s: the window without CHILD_SA sees keepalives, the hold expiry, reconnects
ctl=${NL_UL[4,ctl]}

nl_bgp_controller_conf
# liveness 5 s: an agent that reconnected while the controller was stopping notices it gone sooner.
for i in 1 2 3; do nl_bgp_agent_conf "$i" "agent=liveness_interval = 5s"; done
nl_bird_conf_ctl
for i in 1 2 3; do nl_bird_conf_cpe "$i"; done
nl_capture_start all
nl_start_controller
nl_bird_start ctl
nl_bgp_start_cpes 1 2 3
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
if nl_poll "$([ "$NL_BGP_V6NH" = yes ] && echo 15 || echo 2)" policies6; then
  nl_log "the agents made out policies for every remote IPv6 LAN towards the IPv4 peer"
else
  nl_bgp_defer "no out policies for the IPv6 LANs towards the peers' IPv4 addresses on cpe1: $(nl_xfrm_policy_keys cpe1 | grep fd00 | tr '\n' ';')"
fi
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
plain179=$(nl_capture_read all "tcp port 179")
[ -z "$plain179" ] || nl_fail "plain BGP (TCP 179) on the underlay: $(wc -l <<<"$plain179") packets, e.g. $(head -n 3 <<<"$plain179" | tr '\n' ' ')"
plain=$(nl_capture_plain all)
[ -z "$plain" ] || nl_fail "non-ESP packets between CPEs on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"
for i in 1 2 3; do for j in 1 2 3; do
  [ "$i" -lt "$j" ] || continue
  other=$(nl_capture_read all "esp and host ${NL_UL[4,$i]} and host ${NL_UL[4,$j]}" | grep -v "ESP(spi=0x$group,")
  [ -z "$other" ] || nl_fail "ESP between cpe$i and cpe$j with another SPI than the group's $group: $(head -n 2 <<<"$other" | tr '\n' ' ')"
  n=$(nl_capture_esp_count all "$group" "esp and host ${NL_UL[4,$i]} and host ${NL_UL[4,$j]}")
  [ "$n" -gt 0 ] || nl_fail "no ESP with the group SPI $group between cpe$i and cpe$j"
done; done
for i in 1 2 3; do
  cpe=${NL_UL[4,$i]}
  other=$(nl_capture_read all "host $cpe and host $ctl and not arp and not (udp port 500 or udp port 4500)" |
    grep -v -e "ESP(spi=0x${CIN[$i]}," -e "ESP(spi=0x${COUT[$i]}," -e "ICMP $ctl udp port \(500\|4500\) unreachable")
  [ -z "$other" ] || nl_fail "between cpe$i and the controller, other than IKE and ESP with its CHILD_SA's SPIs: $(head -n 3 <<<"$other" | tr '\n' ' ')"
  up=$(nl_capture_esp_count all "${COUT[$i]}" "esp and src $cpe and dst $ctl")
  down=$(nl_capture_esp_count all "${CIN[$i]}" "esp and src $ctl and dst $cpe")
  [ "$up" -gt 0 ] && [ "$down" -gt 0 ] || nl_fail "cpe$i <-> controller: $up ESP packets with ${COUT[$i]}, $down with ${CIN[$i]}"
  nl_log "cpe$i <-> controller: $up ESP packets up (${COUT[$i]}), $down down (${CIN[$i]}), nothing else but IKE"
done
nl_log "underlay from before the first daemon until now: no plain TCP 179, between CPEs only ESP $group"
nl_log "capture lines, cpe1 <-> controller (BGP inside the CHILD_SA):"
nl_capture_read all "esp and host ${NL_UL[4,1]} and host $ctl" | tail -n 6 | sed 's/^/    /'
nl_log "capture lines, cpe1 <-> cpe2 (group SA):"
nl_capture_read all "esp and host ${NL_UL[4,1]} and host ${NL_UL[4,2]}" | tail -n 2 | sed 's/^/    /'

# The CHILD_SAs go down (the controller stops; its BIRD does not): BGP must not cross in plain text meanwhile.
stat() { nl_xfrm_stat "cpe$1" XfrmOutNoStates; nl_xfrm_stat "cpe$1" XfrmOutPolBlock; nl_xfrm_stat "cpe$1" XfrmOutStateProtoError; }
drops0=$(stat 1 | awk '{ s += $1 } END { print s + 0 }')
nl_stop ctl TERM 20 || nl_fail "the controller did not exit within 20 s of SIGTERM"
childless() { local i; for i in 1 2 3; do [ -z "$(nl_xfrm_child_states "cpe$i")" ] || return 1; done; }
# (An agent that reconnected while the controller was stopping keeps that CHILD_SA until its liveness check fails.)
nl_wait 60 "the agents to remove their CHILD_SAs after the controller's stop" childless
nl_log "controller stopped, CHILD_SAs gone; BIRD goes on for $((NL_BGP_HOLD * 2)) s (keepalives, hold expiry, reconnects)"
sleep $((NL_BGP_HOLD * 2))
nl_capture_stop down
drops1=$(stat 1 | awk '{ s += $1 } END { print s + 0 }')
nl_check_alive
down179=$(nl_capture_read down "tcp port 179")
if [ -n "$down179" ]; then
  why="plain BGP on the underlay around the controller's stop: $(wc -l <<<"$down179") packets, e.g. $(head -n 2 <<<"$down179" | tr '\n' ' ')"
  if [ "$NL_BGP_GUARD" = yes ]; then nl_fail "$why"; else nl_bgp_defer "$why (the daemons do not know esp_only)"; fi
else
  nl_log "no plain BGP around the controller's stop; cpe1's kernel dropped $((drops1 - drops0)) packets without a state"
  [ "$drops1" -gt "$drops0" ] || nl_fail "cpe1's kernel dropped nothing while its CHILD_SA was down: did BIRD send anything?"
fi
nl_bgp_pass
