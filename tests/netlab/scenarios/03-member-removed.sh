#!/usr/bin/env bash
# Scenario 03: a member removed from the controller's config (reload): the group is rekeyed, and after
# ROLL2 the remaining members no longer accept the removed member's packets: their kernels hold no
# state with the old SPI, and ESP from cpe3 is refused (XfrmInNoStates) while cpe1 <-> cpe2 still works.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
nl_overlay_routes
NL_ROLL1=3s NL_ROLL2=6s
nl_start_all
old=$NL_CUR
nl_ping_pairs 4 2
nl_log "all pairs ping with SPI $old"

# Remove cpe3 from the controller's config and reload.
NL_MEMBERS="1 2" nl_controller_conf
out=$("$MPSA_CONTROLLER" reload --config "$NL_DIR/controller.conf" 2>&1) || nl_fail "mpsa-controller reload: $out"
nl_log "controller reloaded without cpe3: $out"

# The rekey: a new SA, and (after ROLL2) no state with the old SPI left on cpe1 and cpe2.
nl_wait 30 "the controller to rekey the group" eval 'nl_group_spis && [ "$NL_CUR" != "$old" -o -n "$NL_NEXT" ]'
new=${NL_NEXT:-$NL_CUR}
nl_log "controller rekeys: $old -> $new"
gone() { [ "$(nl_xfrm_count cpe1 "$old")" = 0 ] && [ "$(nl_xfrm_count cpe2 "$old")" = 0 ]; }
nl_wait 40 "cpe1 and cpe2 to drop every state with the old SPI $old" gone
nl_log "old SPI $old gone from cpe1 and cpe2"
for i in 1 2; do
  nl_inbound_present "$i" "$new" || nl_fail "cpe$i has no inbound state for the new SPI $new"
done
members=$(nl_ctl_status | jq -r '[.members[].name] | join(" ")')
[[ " $members " != *" cpe3 "* ]] || nl_fail "the controller still lists cpe3 ($members)"

# The remaining members still talk (with the new SA)...
nl_ping_pairs 4 3 1 2
nl_log "cpe1 <-> cpe2 ping with SPI $new"

# ...and cpe1 refuses what cpe3 sends. cpe3 still holds the old SA (nobody told it) unless its agent
# dropped it; either way lan3 gets no answer from lan1, and ESP with the old SPI meets no state.
noState0=$(nl_xfrm_stat cpe1 XfrmInNoStates)
in0=$(nl_xfrm_packets cpe1 "$new" "${NL_UL[4,1]}")
nl_capture_start removed
nl_ping lan3 "${NL_LAN[4,1]}" 10 0.1 3
nl_capture_stop removed
[ "$NL_RX" = 0 ] || nl_fail "lan3 -> lan1 still gets $NL_RX of $NL_TX echoes answered after the removal"
noState1=$(nl_xfrm_stat cpe1 XfrmInNoStates)
in1=$(nl_xfrm_packets cpe1 "$new" "${NL_UL[4,1]}")
[ "${in1:-0}" = "${in0:-0}" ] || nl_fail "cpe1's inbound state $new counted $((in1 - in0)) packets from cpe3's pings"
sent_old=$(nl_capture_esp_count removed "$old" "esp and src ${NL_UL[4,3]}")
if [ "$sent_old" -gt 0 ]; then
  [ $((noState1 - noState0)) -ge "$sent_old" ] ||
    nl_fail "cpe3 sent $sent_old ESP packets with the old SPI; cpe1 counted only $((noState1 - noState0)) XfrmInNoStates"
  nl_log "cpe3 still sends with $old: $sent_old packets, all refused by cpe1 (XfrmInNoStates +$((noState1 - noState0)))"
else
  nl_log "cpe3 sends nothing with the old SPI (its agent dropped it); lan3 -> lan1 unanswered"
fi
plain=$(nl_capture_read removed "src ${NL_LAN[4,3]} and dst ${NL_LAN[4,1]}")
[ -z "$plain" ] || nl_log "note: lan3's pings cross the underlay in plaintext (cpe3 without policy): $(head -n 1 <<<"$plain")"
nl_pass
