#!/usr/bin/env bash
# Scenario 02: continuous traffic (ping every 20 ms on two pairs) across at least two rollovers with
# short timers: no echo lost, and the SPI on the wire changes at each rollover, in the controller's order.
# Timers: lifetime 24s, rekey 12s before its end, ROLL1 4s, ROLL2 8s: a new SA every ~12 s.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
nl_overlay_routes
NL_LIFETIME=24s NL_REKEY_MARGIN=12s NL_ROLL1=4s NL_ROLL2=8s
nl_start_all
history=("$NL_CUR")

RUN=${NETLAB_ROLLOVER_SECONDS:-28}            # > 2 rekey periods (ping in UML sends a bit slower still)
COUNT=$((RUN * 50))
nl_capture_start roll
# -s 80: headers are enough; tcpdump in UML must keep up with ~200 packets/s.
nl_log "pinging every 20 ms for ~${RUN}s: lan1 -> lan2 and lan3 -> lan1"
( nl_ping lan1 "${NL_LAN[4,2]}" "$COUNT" 0.02 $((RUN * 3)); echo "$NL_TX $NL_RX" > "$NL_DIR/ping.a" ) &
pa=$!
( nl_ping lan3 "${NL_LAN[4,1]}" "$COUNT" 0.02 $((RUN * 3)); echo "$NL_TX $NL_RX" > "$NL_DIR/ping.b" ) &
pb=$!
# Meanwhile, follow the controller's SPIs.
while kill -0 "$pa" 2>/dev/null || kill -0 "$pb" 2>/dev/null; do
  if nl_group_spis && [ "$NL_CUR" != "${history[-1]}" ]; then
    history+=("$NL_CUR"); nl_log "controller: current SPI now $NL_CUR"
  fi
  sleep 1
done
wait "$pa" "$pb"
nl_capture_stop roll
# Members switch their outbound at ROLL1, while the controller names the SA current only at ROLL2: an SA still
# "next" when the pings ended may be on the wire too.
if nl_group_spis; then
  [ "$NL_CUR" != "${history[-1]}" ] && history+=("$NL_CUR")
  [ -n "$NL_NEXT" ] && history+=("$NL_NEXT")
fi
nl_check_alive

read -r tx_a rx_a < "$NL_DIR/ping.a"
read -r tx_b rx_b < "$NL_DIR/ping.b"
nl_log "lan1->lan2: $rx_a/$tx_a, lan3->lan1: $rx_b/$tx_b (received/sent); SPIs ${history[*]}"
[ "$tx_a" -ge $((COUNT / 2)) ] && [ "$tx_b" -ge $((COUNT / 2)) ] || nl_fail "ping did not run (sent $tx_a, $tx_b)"
[ "$rx_a" = "$tx_a" ] || nl_fail "lan1->lan2 lost $((tx_a - rx_a)) of $tx_a echoes across the rollovers"
[ "$rx_b" = "$tx_b" ] || nl_fail "lan3->lan1 lost $((tx_b - rx_b)) of $tx_b echoes across the rollovers"

# The wire: ESP only, and per sender and peer the SPI changes at each rollover, new SPIs in the controller's order.
# (Per peer: a sender's states towards different peers are replaced one after the other, so across peers the
# switch is not one instant.) The pings use lan1 -> lan2 and lan3 -> lan1: requests and replies on four paths.
plain=$(nl_capture_plain roll)
[ -z "$plain" ] || nl_fail "non-ESP packets on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"
for path in "1 2" "2 1" "3 1" "1 3"; do
  read -r sender peer <<<"$path"
  seq=$(nl_capture_read roll "esp and src ${NL_UL[4,$sender]} and dst ${NL_UL[4,$peer]}" |
    sed -n 's/.*ESP(spi=0x\([0-9a-f]*\),.*/\1/p' | uniq | tr '\n' ' ')
  runs=($seq)
  distinct=$(tr ' ' '\n' <<<"$seq" | grep -c . )
  uniq_count=$(tr ' ' '\n' <<<"$seq" | grep . | sort -u | wc -l)
  # Each change is a switch to a new SPI: no flapping back to an older one.
  [ "$distinct" = "$uniq_count" ] || nl_fail "cpe$sender -> cpe$peer: the SPI flaps between SAs: $seq"
  [ "${#runs[@]}" -ge 3 ] || nl_fail "cpe$sender -> cpe$peer used ${#runs[@]} SPI(s) while pinging ($seq): fewer than two rollovers"
  # In the controller's order (the controller's list may lack an SA it held for less than a poll).
  expect=" ${history[*]} "
  for s in "${runs[@]}"; do
    [[ $expect == *" $s "* ]] || nl_fail "cpe$sender -> cpe$peer sent SPI $s, never the controller's current SPI (${history[*]})"
    expect=" ${expect#* $s }"
  done
  nl_log "cpe$sender -> cpe$peer ESP SPIs in order: $seq"
done
nl_pass
