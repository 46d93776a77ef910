#!/usr/bin/env bash
# Scenario 16: a CPE whose uplink comes 20 s after its agent started (a router boots before PPPoE or DHCP has given
# the WAN an address): the agent neither exits nor retries in a loop, says once what it waits for, and joins within
# 5 s of its address appearing: its inbound group SA in the kernel, the controller's current SPI active, LAN pings
# to and from the other CPEs pass.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
# cpe3's uplink: down and without addresses (its config names local_address, which no interface has yet)
ip -n cpe3 link set eth0 down
ip -n cpe3 addr flush dev eth0
nl_overlay_routes_of() { local j; for j in 1 2 3; do [ "$j" = "$1" ] || nl_route_cmds replace "$j" main; done | ip -n "cpe$1" -batch -; }
nl_overlay_routes_of 1 || nl_fail "overlay routes on cpe1"
nl_overlay_routes_of 2 || nl_fail "overlay routes on cpe2"
nl_controller_conf
nl_start_controller
for i in 1 2 3; do nl_agent_conf "$i"; nl_start_agent "$i"; done
nl_uptime; started=$NL_CS
nl_wait_group_ready 90 1 2
waiting() { grep -q '\[103\]' "$NL_DIR/cpe3.log" && [ "$(nl_agent_status 3 | jq -r .controller.state)" = waiting-for-uplink ]; }
nl_wait 30 "agent cpe3 to say it waits for its uplink" waiting
nl_log "cpe3 waits: $(nl_agent_status 3 | jq -r .uplink.missing)"

nl_uptime; sleep "$(awk -v s=$(((started + 2000 - NL_CS))) 'BEGIN { printf "%.2f", (s > 0 ? s : 0) / 100 }')"
nl_check_alive
n=$(grep -c '\[103\]' "$NL_DIR/cpe3.log")
[ "$n" = 1 ] || nl_fail "agent cpe3 said $n times that it waits (once expected)"
[ "$(nl_xfrm_count cpe3)" = 0 ] || nl_fail "cpe3 holds group states before its uplink came"

{
  echo "addr add ${NL_UL[4,3]}/24 dev eth0"
  echo "addr add ${NL_UL[6,3]}/64 dev eth0 nodad"
  echo "link set eth0 up"
} | ip -n cpe3 -batch - || nl_fail "cpe3's uplink"
nl_uptime; up=$NL_CS
nl_overlay_routes_of 3 || nl_fail "overlay routes on cpe3"
nl_wait_group_ready 30 3
nl_uptime; joined=$(((NL_CS - up) / 100)).$(printf '%02d' $(((NL_CS - up) % 100)))
nl_log "cpe3 joined ${joined}s after its address appeared"
# the issue's target is 5 s (measured: about 4 s with the daemons published ReadyToRun); NL_JOIN_SECONDS (default 8)
# bounds it with room for a loaded host, the time itself is printed above
awk -v t="$joined" -v max="${NL_JOIN_SECONDS:-8}" 'BEGIN { exit !(t <= max) }' ||
  nl_fail "cpe3 joined ${joined}s after its address appeared (${NL_JOIN_SECONDS:-8} s at most here)"
grep -q '\[104\] uplink up' "$NL_DIR/cpe3.log" || nl_fail "agent cpe3 did not log its uplink coming"
nl_ping_pairs 4 2
nl_log "every pair pings, cpe3's LAN included"
nl_pass
