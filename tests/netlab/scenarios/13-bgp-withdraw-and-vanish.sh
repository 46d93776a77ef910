#!/usr/bin/env bash
# Scenario 13: BGP withdrawals take peers away. Three CPEs with BGP (BIRD from the shipped examples, hold time 15 s).
# 1. cpe3 withdraws its IPv4 prefix (birdc disable lan4): cpe1 and cpe2 drop the route, the out policy for that
#    prefix (the IPv6 one stays), and lan1 -> lan3 over IPv4 sends nothing towards cpe3 any more.
# 2. cpe3 vanishes: its kernel stops sending (iptables drops its output, as when its uplink dies beyond the
#    underlay; a killed BIRD's socket would otherwise send a FIN and end the session at once), then its BIRD and
#    agent are killed (SIGKILL), so only the BGP hold time notices: within the hold time (plus a little) cpe1 and
#    cpe2 have no route, policy or outbound state towards cpe3 left, and pings to lan3 send no ESP towards it
#    (cpe3 still answers ARP, so ESP would be seen on the underlay if a state were left).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bird.sh"
nl_init
nl_topology 3
NL_BGP_HOLD=15            # keepalive 5 s
nl_bgp_controller_conf
for i in 1 2 3; do nl_bgp_agent_conf "$i"; done
nl_bgp_start_all 1 2 3
nl_wait_group_ready 90
group=$NL_CUR
nl_wait 60 "the IPv4 routes from BGP in every CPE's table 100" nl_bgp_routes_all 4
nl_wait 20 "every LAN to reach every other over IPv4" nl_bgp_reach 4 "1 2 3" "1 2 3"
nl_poll 15 nl_bgp_routes_all 6 || nl_fail "BIRD did not install the IPv6 routes in table 100: cpe1: $(nl_bgp_table 1)"
v6=yes
nl_wait 20 "every LAN to reach every other over IPv6" nl_bgp_reach 6 "1 2 3" "1 2 3"
nl_log "three CPEs up (group SA $group), every LAN reaches every other over IPv4 and IPv6"

c3=${NL_UL[4,3]}
# cpeI's out policies towards cpe3 (for lan3's subnet of FAMILY, or any), its outbound states towards cpe3.
pol3() { nl_xfrm_policy_keys "cpe$1" | awk -v d="$c3" -v n="${2:-}" '$1 == "out" && $5 == d && (n == "" || $3 == n) { c++ } END { print c + 0 }'; }
state3() { nl_xfrm_all_states "cpe$1" | awk -v d="$c3" '$2 == d { c++ } END { print c + 0 }'; }
for i in 1 2; do
  [ "$(pol3 "$i" "${NL_NET[4,3]}")" = 1 ] || nl_fail "cpe$i has no out policy for ${NL_NET[4,3]} towards cpe3"
  [ "$(state3 "$i")" -ge 1 ] || nl_fail "cpe$i has no outbound state towards cpe3"
done

# 1. The IPv4 prefix withdrawn.
nl_birdc 3 disable lan4 > /dev/null || nl_fail "birdc disable lan4 on cpe3"
nl_uptime; t0=$NL_CS
withdrawn() { local i; for i in 1 2; do nl_bgp_no_route 4 "$i" 3 && [ "$(pol3 "$i" "${NL_NET[4,3]}")" = 0 ] || return 1; done; }
nl_wait 30 "cpe1 and cpe2 to drop the route and the out policy for ${NL_NET[4,3]}" withdrawn
nl_uptime
nl_log "cpe3 withdrew ${NL_NET[4,3]}: route and out policy gone on cpe1 and cpe2 after $(((NL_CS - t0) / 100)).$(((NL_CS - t0) % 100 / 10)) s"
for i in 1 2; do
  nl_bgp_route 6 "$i" 3 || nl_fail "cpe$i lost the IPv6 route to lan3 with the IPv4 withdrawal: $(nl_bgp_table "$i")"
  nl_bgp_route 4 "$i" 2 || nl_bgp_route 4 "$i" 1 || nl_fail "cpe$i lost other IPv4 routes with cpe3's withdrawal: $(nl_bgp_table "$i")"
  if [ "$v6" = yes ]; then
    [ "$(pol3 "$i" "${NL_NET[6,3]}")" = 1 ] || nl_fail "cpe$i dropped the IPv6 out policy towards cpe3 with the IPv4 withdrawal"
  fi
done
nl_capture_start withdrawn
nl_ping lan1 "${NL_LAN[4,3]}" 5 0.2 3
nl_ping lan2 "${NL_LAN[4,3]}" 5 0.2 3
nl_capture_stop withdrawn
[ "$NL_RX" = 0 ] || nl_fail "lan2 -> lan3 (IPv4) still answered after the withdrawal"
# (The controller's BGP and IKE with cpe3 go on: only what cpe1 and cpe2 send counts.)
n=$(nl_capture_read withdrawn "ip and dst $c3 and not src ${NL_UL[4,ctl]}" | wc -l)
[ "$n" = 0 ] || nl_fail "after the withdrawal, IPv4 pings to lan3 still sent $n packets to cpe3: $(nl_capture_read withdrawn "ip and dst $c3 and not src ${NL_UL[4,ctl]}" | head -n 2 | tr '\n' ' ')"
n=$(nl_capture_read withdrawn "host ${NL_LAN[4,3]}" | wc -l)
[ "$n" = 0 ] || nl_fail "after the withdrawal, $n plain packets to lan3 on the underlay"
nl_bgp_reach 4 "1 2" "1 2" || nl_fail "lan1 <-> lan2 (IPv4) broken by cpe3's withdrawal"
nl_log "pings to ${NL_LAN[4,3]} leave nothing on the underlay; lan1 <-> lan2 still fine"

# 2. cpe3 vanishes: silent first (so the FIN of the killed BGP socket reaches nobody), then SIGKILL to its BIRD and
# its agent (states and policies stay in cpe3's kernel, as after a crash).
# The kernels' own timestamps say when cpe1 lost the routes, policies and states (the polls below are slow in UML).
ip -n cpe1 -ts monitor route > "$NL_DIR/monitor-cpe1.route" 2>&1 &
mon=$!
ip -n cpe1 -ts xfrm monitor > "$NL_DIR/monitor-cpe1.xfrm" 2>&1 &
mon="$mon $!"
sleep 1
nl_uptime; t1=$NL_CS
silent=$(date +%H:%M:%S.%N)
ip netns exec cpe3 sh -c 'iptables-legacy -A OUTPUT -j DROP && iptables-legacy -A FORWARD -j DROP' ||
  nl_fail "iptables: cpe3's output dropped"
nl_bird_stop 3 KILL
nl_stop cpe3 KILL 10
nl_log "cpe3 silent (iptables) at $silent, its BIRD and agent killed; the reflector notices at the hold time (${NL_BGP_HOLD} s)"
routes_gone() { local i; for i in 1 2; do nl_bgp_no_route 4 "$i" 3 && nl_bgp_no_route 6 "$i" 3 || return 1; done; }
gone() { local i; for i in 1 2; do [ "$(pol3 "$i")" = 0 ] && [ "$(state3 "$i")" = 0 ] || return 1; done; }
nl_wait $((NL_BGP_HOLD + 30)) "cpe1 and cpe2 to lose their routes to lan3 (BGP hold time ${NL_BGP_HOLD} s)" routes_gone
nl_wait 30 "cpe1 and cpe2 to remove every out policy and state towards cpe3 after the routes went" gone
nl_uptime
kill $mon; wait $mon 2>/dev/null
# Seconds after the silence: cpe1's last route deletion towards lan3, and its last deleted policy or state naming
# cpe3 (ip -ts prints [YYYY-MM-DDTHH:MM:SS.us] before each event; an xfrm event goes on over indented lines).
read -r t_route t_xfrm <<<"$(awk -v c3="${NL_UL[4,3]}" -v n4="${NL_NET[4,3]}" -v n6="${NL_NET[6,3]}" -v t0="$silent" '
  function sec(t,   p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
  /^\[/ { ts = substr($1, 13, 15); del = ($2 == "Deleted"); route = del && ($3 == n4 || $3 == n6) }
  route && /via/ && sec(ts) - sec(t0) > r { r = sec(ts) - sec(t0) }
  del && !route && index($0, c3) && sec(ts) - sec(t0) > x { x = sec(ts) - sec(t0) }
  END { printf "%.1f %.1f\n", r, x }' "$NL_DIR/monitor-cpe1.route" "$NL_DIR/monitor-cpe1.xfrm")"
nl_log "cpe3 vanished: cpe1's kernel lost the routes to lan3 ${t_route} s and the last policy or state towards cpe3 ${t_xfrm} s after the silence (hold time ${NL_BGP_HOLD} s; polls saw it after $(((NL_CS - t1) / 100)) s)"
awk -v r="$t_route" -v x="$t_xfrm" -v h="$NL_BGP_HOLD" 'BEGIN { exit !(r > 0 && x > 0 && r <= h + 2 && x <= h + 4) }' ||
  nl_fail "cpe3's routes went ${t_route} s and its policies and states ${t_xfrm} s after it fell silent: not within the hold time ${NL_BGP_HOLD} s (+2 for the routes, +4 for the agent): $(cat "$NL_DIR"/monitor-cpe1.* | grep -c .) monitor lines"
for i in 1 2; do
  nl_bgp_route 4 "$i" $((3 - i)) || nl_fail "cpe$i lost its route to cpe$((3 - i)) when cpe3 vanished: $(nl_bgp_table "$i")"
done

nl_capture_start gone
nl_ping lan1 "${NL_LAN[4,3]}" 5 0.2 3
nl_ping lan1 "${NL_LAN[6,3]}" 5 0.2 3
nl_ping lan2 "${NL_LAN[4,3]}" 5 0.2 3
nl_capture_stop gone
n=$(nl_capture_read gone "esp and dst $c3 and not src ${NL_UL[4,ctl]}" | wc -l)
[ "$n" = 0 ] || nl_fail "after cpe3 vanished, $n ESP packets were sent towards it: $(nl_capture_read gone "esp and dst $c3 and not src ${NL_UL[4,ctl]}" | head -n 2 | tr '\n' ' ')"
n=$(nl_capture_read gone "host ${NL_LAN[4,3]} or host ${NL_LAN[6,3]}" | wc -l)
[ "$n" = 0 ] || nl_fail "after cpe3 vanished, $n plain packets to lan3 on the underlay"
nl_bgp_reach 4 "1 2" "1 2" || nl_fail "lan1 <-> lan2 (IPv4) broken after cpe3 vanished"
[ "$v6" = yes ] && { nl_bgp_reach 6 "1 2" "1 2" || nl_fail "lan1 <-> lan2 (IPv6) broken after cpe3 vanished"; }
nl_log "no ESP towards cpe3 any more; lan1 <-> lan2 still fine"
nl_pass
