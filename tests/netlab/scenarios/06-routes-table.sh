#!/usr/bin/env bash
# Scenario 06: peers learned from a routing table. cpe1 has no static peers and follows table 100:
# a route there whose gateway is a peer's underlay address makes the outbound state and policy appear;
# deleting the route makes them go. cpe2 and cpe3 have static peers.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
for i in 2 3; do
  for ((j = 1; j <= NL_CPES; j++)); do [ "$i" = "$j" ] || nl_route_add "$i" "$j"; done
done
nl_agent_conf 1 peers=none route_table=100 subnets=4
nl_agent_conf 2 subnets=4
nl_agent_conf 3 subnets=4
ip -n cpe1 rule add pref 100 lookup 100      # forwarding on cpe1 uses table 100
nl_start_all

out_state() { nl_xfrm_has_state cpe1 "$NL_CUR" "${NL_UL[4,$1]}" "${NL_UL[4,1]}"; }
out_policy() { nl_xfrm_policy_keys cpe1 | awk -v n="${NL_NET[4,$1]}" -v d="${NL_UL[4,$1]}" '$1 == "out" && $3 == n && $5 == d { f = 1 } END { exit !f }'; }
both() { out_state "$1" && out_policy "$1"; }
neither() { ! out_state "$1" && ! out_policy "$1"; }

for j in 2 3; do
  neither "$j" || nl_fail "cpe1 has an outbound state or policy for cpe$j before any route"
done
nl_log "cpe1: no outbound state or policy without routes"

ip -n cpe1 route add "${NL_NET[4,2]}" via "${NL_UL[4,2]}" table 100
nl_wait 20 "cpe1's outbound state and policy for cpe2 after the route" both 2
nl_log "route to ${NL_NET[4,2]} via ${NL_UL[4,2]} -> outbound state and policy appear"
nl_ping lan1 "${NL_LAN[4,2]}" 3 || nl_fail "lan1 -> lan2 over the learned peer: $NL_RX/$NL_TX"
neither 3 || nl_fail "cpe1 has state or policy for cpe3 without a route to it"

ip -n cpe1 route add "${NL_NET[4,3]}" via "${NL_UL[4,3]}" table 100
nl_wait 20 "cpe1's outbound state and policy for cpe3 after the route" both 3
nl_ping lan1 "${NL_LAN[4,3]}" 3 || nl_fail "lan1 -> lan3 over the learned peer: $NL_RX/$NL_TX"
nl_log "second route -> second peer; both ping"

ip -n cpe1 route del "${NL_NET[4,2]}" via "${NL_UL[4,2]}" table 100
nl_wait 20 "cpe1's outbound state and policy for cpe2 to go after the route's deletion" neither 2
both 3 || nl_fail "deleting the route to cpe2 also removed cpe3's state or policy"
nl_inbound_present 1 "$NL_CUR" || nl_fail "deleting a route removed cpe1's inbound state"
nl_log "route deleted -> cpe2's outbound state and policy gone; cpe3's and the inbound state stay"
nl_ping lan1 "${NL_LAN[4,3]}" 3 || nl_fail "lan1 -> lan3 after deleting the other route: $NL_RX/$NL_TX"
nl_pass
