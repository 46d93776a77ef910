#!/usr/bin/env bash
# Scenario 18: a CPE's WAN address changes while LAN-to-LAN pings flow (a PPPoE reconnect that brings a new address).
# cpe3 follows its uplink (no local_address, no underlay in its config); cpe1 and cpe2 name it as a static peer, and the
# scenario gives them its new address (config and overlay routes, then reload), as a provisioning system would, and
# puts back cpe3's own routes to their LANs, which went with its old address, as netifd would. cpe3
# moves its IKE SA with MOBIKE, its kernel states and policies follow. Checked: the pings between lan1 and lan3 (both
# ways) resume within 10 s of the change; afterwards no state or policy on any CPE names the old address; the capture
# on the underlay never shows a packet in clear (only ESP, and IKE with the controller); the agent and the controller
# logged the move.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
nl_overlay_routes
nl_controller_conf
nl_start_controller
nl_agent_conf 1
nl_agent_conf 2
nl_agent_conf 3 follow=yes
for i in 1 2 3; do nl_start_agent "$i"; done
nl_wait_group_ready 90
nl_ping_pairs 4 3
old=${NL_UL[4,3]}
new=192.0.2.113

nl_capture_start move
# lan1 <-> lan3, an echo every 0.1 s for 40 s each way, every reply with its time (ping -D); -c, not -w: with a deadline
# ping ends at the first error, and cpe3 answers "Net Unreachable" until its routes are back
nsenter --net=/run/netns/lan1 ping -n -D -i 0.1 -c 400 "${NL_LAN[4,3]}" > "$NL_DIR/ping-1-3.txt" 2>&1 &
p13=$!
nsenter --net=/run/netns/lan3 ping -n -D -i 0.1 -c 400 "${NL_LAN[4,1]}" > "$NL_DIR/ping-3-1.txt" 2>&1 &
p31=$!
sleep 5
changed=$(date +%s.%N)
printf 'addr del %s/24 dev eth0\naddr add %s/24 dev eth0\n' "$old" "$new" | ip -n cpe3 -batch - || nl_fail "cpe3's new address"
nl_log "cpe3: $old -> $new"
# with its last IPv4 address eth0 lost its IPv4 routes: put back the ones to the other LANs, as netifd or a routing
# daemon does for the new address
routes_back() { nl_route_add 3 1 2>/dev/null && nl_route_add 3 2 2>/dev/null; }
nl_wait 10 "cpe3's routes to lan1 and lan2 over its new address" routes_back
NL_UL[4,3]=$new
for i in 1 2; do
  nl_agent_conf "$i"
  nl_route_add "$i" 3 || nl_fail "cpe$i's routes to lan3 via $new"
  nl_control "$NL_DIR/cpe$i.sock" reload > /dev/null || nl_fail "reload of agent cpe$i"
done
wait "$p13" "$p31"
nl_capture_stop move
nl_check_alive

# recovery: the longest silence between two replies that ends after the change (a silence still running when the
# pings stopped, 35 s after the change, counts up to then), each way
recovery() {
  awk -F'[][]' -v c="$changed" '/bytes from/ { t = $2 + 0; if (t > c && prev != "" && t - prev > gap) gap = t - prev; prev = t }
    END { if (prev == "") { print "none"; exit } if (c + 35 - prev > gap) gap = c + 35 - prev; printf "%.1f\n", gap }' "$1"
}
r13=$(recovery "$NL_DIR/ping-1-3.txt")
r31=$(recovery "$NL_DIR/ping-3-1.txt")
nl_log "longest silence of the pings across the change: ${r13} s (lan1->lan3), ${r31} s (lan3->lan1)"
for f in ping-1-3 ping-3-1; do
  nl_log "$f: $(grep 'packets transmitted' "$NL_DIR/$f.txt")"
done
for r in "$r13" "$r31"; do
  [ "$r" != none ] || nl_fail "no reply at all (lan1->lan3: $r13, lan3->lan1: $r31)"
  awk -v r="$r" 'BEGIN { exit !(r <= 10) }' || nl_fail "the pings were silent for $r s (10 s at most)"
done

# a LAN packet in clear would carry a LAN address in its outer header (cpe3 may send an ICMP redirect for its old
# address while a neighbour's cache still points there: that quotes an ESP header, not LAN traffic)
plain=$(nl_capture_read move "net 10.1.0.0/16 or net fd00:1::/32" | head -5)
[ -z "$plain" ] || nl_fail "LAN packets in clear on the underlay: $plain"
for i in 1 2 3; do
  ! ip -n "cpe$i" xfrm state | grep -Fqw "$old" || nl_fail "cpe$i: a state still names $old: $(ip -n "cpe$i" xfrm state | grep -Fw "$old" | head -2)"
  ! ip -n "cpe$i" xfrm policy | grep -Fqw "$old" || nl_fail "cpe$i: a policy still names $old"
done
grep -q '\[106\] the address IKE leaves from changed' "$NL_DIR/cpe3.log" || nl_fail "agent cpe3 did not log the change"
grep -q '\[109\] IKE SA' "$NL_DIR/cpe3.log" || nl_fail "agent cpe3 did not move its IKE SA (MOBIKE)"
grep -q "\[224\] member cpe3 moved its IKE SA .* to $new" "$NL_DIR/controller.log" || nl_fail "the controller did not log the move"
[ "$(nl_ctl_status | jq -r '.members[] | select(.name == "cpe3") | .address')" = "$new:500" ] ||
  nl_fail "the controller does not show cpe3 at $new:500"
nl_ping_pairs 4 3
nl_log "every pair pings after the change"
nl_pass
