#!/usr/bin/env bash
# Scenario 14: group-SA rollovers while traffic flows over peers learned from BGP (BIRD from the shipped examples,
# no static peer): pings every 20 ms on lan1 -> lan2 (IPv4) and lan3 -> lan1 (IPv4), and every 50 ms on
# lan2 -> lan3 (IPv6), across at least two rollovers (timers as scenario 02: lifetime 24 s, rekey 12 s before
# its end, ROLL1 4 s, ROLL2 8 s): no echo lost, the SPI on the wire changes at each rollover in the controller's
# order, the BGP sessions stay up throughout, and no plain BGP crosses the underlay.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bird.sh"
nl_init
nl_topology 3
NL_LIFETIME=24s NL_REKEY_MARGIN=12s NL_ROLL1=4s NL_ROLL2=8s
nl_bgp_controller_conf
for i in 1 2 3; do nl_bgp_agent_conf "$i"; done
nl_bgp_start_all 1 2 3
nl_wait_group_ready 90
nl_wait 60 "every CPE's BGP session with the route reflector" nl_bgp_established ctl 3
nl_wait 60 "the IPv4 routes from BGP in every CPE's table 100" nl_bgp_routes_all 4
nl_wait 30 "every LAN to reach every other over IPv4" nl_bgp_reach 4 "1 2 3" "1 2 3"
nl_poll 15 nl_bgp_routes_all 6 || nl_fail "BIRD did not install the IPv6 routes in table 100: cpe1: $(nl_bgp_table 1)"
v6=yes
nl_wait 20 "lan2 and lan3 to reach each other over IPv6" nl_bgp_reach 6 "2 3" "2 3"
nl_group_spis_or_fail
history=("$NL_CUR")
# When each BGP session came up (birdc's "since"): unchanged at the end, or a session flapped. BIRD prints "since" as
# wall-clock time derived from its monotonic clock at each call, so the same moment can differ by a few ms between two
# calls: compared with a tolerance of 1 s (a flap takes far longer: hold time, connect retry).
sessions() { nl_birdc ctl show protocols | awk '$2 == "BGP" { print $1, $4, $5, $6 }'; }
same_sessions() {
  printf '%s\n--\n%s\n' "$1" "$2" | awk 'function secs(t,  a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
       $0 == "--" { second = 1; next }
       !second { n++; name[n] = $1; state[n] = $2 " " $4; at[n] = secs($3); next }
       { m++; d = secs($3) - at[m]; if ($1 != name[m] || $2 " " $4 != state[m] || d > 1 || d < -1) bad = 1 }
       END { exit (bad || n != m) }'
}
sessions0=$(sessions)
nl_log "BGP sessions on the reflector: $(tr '\n' ';' <<<"$sessions0")"

RUN=${NETLAB_ROLLOVER_SECONDS:-28}            # > 2 rekey periods
COUNT=$((RUN * 50))
nl_capture_start roll
nl_log "pinging for ~${RUN}s: lan1 -> lan2 and lan3 -> lan1 every 20 ms (IPv4), lan2 -> lan3 every 50 ms (IPv6)"
( nl_ping lan1 "${NL_LAN[4,2]}" "$COUNT" 0.02 $((RUN * 3)); echo "$NL_TX $NL_RX" > "$NL_DIR/ping.a" ) &
pa=$!
( nl_ping lan3 "${NL_LAN[4,1]}" "$COUNT" 0.02 $((RUN * 3)); echo "$NL_TX $NL_RX" > "$NL_DIR/ping.b" ) &
pb=$!
echo "0 0" > "$NL_DIR/ping.c"
pc=
if [ "$v6" = yes ]; then
  ( nl_ping lan2 "${NL_LAN[6,3]}" $((RUN * 20)) 0.05 $((RUN * 3)); echo "$NL_TX $NL_RX" > "$NL_DIR/ping.c" ) &
  pc=$!
fi
while kill -0 "$pa" 2>/dev/null || kill -0 "$pb" 2>/dev/null; do
  if nl_group_spis && [ "$NL_CUR" != "${history[-1]}" ]; then
    history+=("$NL_CUR"); nl_log "controller: current SPI now $NL_CUR"
  fi
  sleep 1
done
wait "$pa" "$pb" $pc
nl_capture_stop roll
if nl_group_spis; then
  [ "$NL_CUR" != "${history[-1]}" ] && history+=("$NL_CUR")
  [ -n "$NL_NEXT" ] && history+=("$NL_NEXT")
fi
nl_check_alive

read -r tx_a rx_a < "$NL_DIR/ping.a"
read -r tx_b rx_b < "$NL_DIR/ping.b"
read -r tx_c rx_c < "$NL_DIR/ping.c"
nl_log "lan1->lan2: $rx_a/$tx_a, lan3->lan1: $rx_b/$tx_b, lan2->lan3 (IPv6): $rx_c/$tx_c (received/sent); SPIs ${history[*]}"
[ "$tx_a" -ge $((COUNT / 2)) ] && [ "$tx_b" -ge $((COUNT / 2)) ] || nl_fail "ping did not run (sent $tx_a, $tx_b)"
[ "$rx_a" = "$tx_a" ] || nl_fail "lan1->lan2 lost $((tx_a - rx_a)) of $tx_a echoes across the rollovers"
[ "$rx_b" = "$tx_b" ] || nl_fail "lan3->lan1 lost $((tx_b - rx_b)) of $tx_b echoes across the rollovers"
if [ "$v6" = yes ]; then
  [ "$tx_c" -ge $((RUN * 10)) ] || nl_fail "the IPv6 ping did not run (sent $tx_c)"
  [ "$rx_c" = "$tx_c" ] || nl_fail "lan2->lan3 (IPv6) lost $((tx_c - rx_c)) of $tx_c echoes across the rollovers"
fi

# The sessions did not flap, and BGP never crossed in plain text.
sessions1=$(sessions)
same_sessions "$sessions0" "$sessions1" || nl_fail "BGP sessions changed during the rollovers: before $(tr '\n' ';' <<<"$sessions0") after $(tr '\n' ';' <<<"$sessions1")"
[ "$(grep -c Established <<<"$sessions1")" = 3 ] || nl_fail "not every BGP session is established: $(tr '\n' ';' <<<"$sessions1")"
plain179=$(nl_capture_read roll "tcp port 179")
[ -z "$plain179" ] || nl_fail "plain BGP (TCP 179) on the underlay: $(head -n 3 <<<"$plain179" | tr '\n' ' ')"
plain=$(nl_capture_plain roll)
[ -z "$plain" ] || nl_fail "non-ESP packets on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"

# Per sender and peer, the SPI changes at each rollover, to the controller's SAs in their order (as scenario 02).
paths=("1 2" "2 1" "3 1" "1 3")
[ "$v6" = yes ] && paths+=("2 3" "3 2")
for path in "${paths[@]}"; do
  read -r sender peer <<<"$path"
  seq=$(nl_capture_read roll "esp and src ${NL_UL[4,$sender]} and dst ${NL_UL[4,$peer]}" |
    sed -n 's/.*ESP(spi=0x\([0-9a-f]*\),.*/\1/p' | uniq | tr '\n' ' ')
  runs=($seq)
  [ "$(tr ' ' '\n' <<<"$seq" | grep -c .)" = "$(tr ' ' '\n' <<<"$seq" | grep . | sort -u | wc -l)" ] ||
    nl_fail "cpe$sender -> cpe$peer: the SPI flaps between SAs: $seq"
  [ "${#runs[@]}" -ge 3 ] || nl_fail "cpe$sender -> cpe$peer used ${#runs[@]} SPI(s) while pinging ($seq): fewer than two rollovers"
  expect=" ${history[*]} "
  for s in "${runs[@]}"; do
    [[ $expect == *" $s "* ]] || nl_fail "cpe$sender -> cpe$peer sent SPI $s, never the controller's current SPI (${history[*]})"
    expect=" ${expect#* $s }"
  done
  nl_log "cpe$sender -> cpe$peer ESP SPIs in order: $seq"
done
nl_pass
