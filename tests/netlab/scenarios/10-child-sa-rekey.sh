#!/usr/bin/env bash
# Scenario 10: the agent rekeys its CHILD_SA with the controller (child_lifetime 12 s, RFC 7296 §2.8) while cpe1
# pings the controller through it without a pause: no echo is lost, the new SPIs carry the traffic on the wire,
# and after each rekey the old states are gone from both kernels (exactly one pair left on each side).
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 1
nl_agent_conf 1 peers=none "agent=child_lifetime = 12s;rekey_jitter = 0%"
nl_start_all
ctl=${NL_UL[4,ctl]} cpe=${NL_UL[4,1]}

spis() { nl_agent_status 1 | jq -r '.child_sa | "\(.inbound_spi) \(.outbound_spi)"'; }
read -r in0 out0 <<<"$(spis)"
[ -n "$in0" ] && [ "$in0" != null ] || nl_fail "cpe1 reports no CHILD_SA with the controller"
nl_log "first CHILD_SA: in $in0 out $out0"

# 400 echoes, one every 0.1 s: 40 s, across at least two rekeys
nl_capture_start rekey
nl_ping cpe1 "$ctl" 400 0.1 60 || nl_fail "cpe1 -> controller across the CHILD_SA rekeys: $NL_RX of $NL_TX echoes answered"
rx=$NL_RX tx=$NL_TX
# The pair current now carries a few echoes more, still captured; read before and after them, and asked again if a
# rekey fell between the two reads (one comes every 12 s, and may come just after the last echo above).
same_pair_across_echoes() {
  local in out
  read -r in1 out1 <<<"$(spis)"
  nl_ping cpe1 "$ctl" 3 0.1 || return 1
  read -r in out <<<"$(spis)"
  [ "$in" = "$in1" ] && [ "$out" = "$out1" ]
}
nl_poll 30 same_pair_across_echoes || nl_fail "no three echoes went through one CHILD_SA pair in 30 s"
nl_capture_stop rekey
[ "$in1" != "$in0" ] && [ "$out1" != "$out0" ] || nl_fail "the CHILD_SA was not rekeyed: still in $in1 out $out1"
rekeys=$(grep -c "CHILD_SA .* with the controller negotiated" "$NL_DIR/cpe1.log")
[ "$rekeys" -ge 3 ] || nl_fail "cpe1 negotiated $rekeys CHILD_SAs in 40 s with child_lifetime 12 s; expected 3 or more"
nl_log "$rx of $tx echoes answered across $((rekeys - 1)) CHILD_SA rekeys; now in $in1 out $out1"

# The newest outbound SPI carried traffic on the wire, and no echo went in the clear.
up=$(nl_capture_esp_count rekey "$(nl_spi "$out1")" "esp and src $cpe and dst $ctl")
[ "$up" -ge 1 ] || nl_fail "no ESP with the newest outbound SPI $out1 on the wire"
plain=$(nl_capture_read rekey "icmp and host $cpe and host $ctl")
[ -z "$plain" ] || nl_fail "plain ICMP between cpe1 and the controller during the rekeys: $(head -n 2 <<<"$plain" | tr '\n' ' ')"

# Exactly the current pair is left on each side (the old states went with the Delete of each old CHILD_SA). The
# rekeys go on meanwhile (one every 12 s): the current pair is read again with the kernels, and a check that fell on a
# rekey under way is asked again.
current_only() { # NS: NS holds exactly the CHILD_SA the agent names as current now
  local now_in now_out states
  read -r now_in now_out <<<"$(spis)"
  states=$(nl_xfrm_child_states "$1" | awk '{ print $3 }' | sort | paste -sd ' ')
  CURRENT_ONLY="$states (current: in $now_in out $now_out)"
  [ "$states" = "$(printf '%s\n' "$(nl_spi "$now_in")" "$(nl_spi "$now_out")" | sort | paste -sd ' ')" ]
}
for ns in cpe1 ctl; do
  nl_poll 20 current_only "$ns" || { current_only "$ns"; nl_fail "$ns holds CHILD_SA states $CURRENT_ONLY, expected only the current pair"; }
done
nl_log "one CHILD_SA pair on each side, the current one"
nl_pass
