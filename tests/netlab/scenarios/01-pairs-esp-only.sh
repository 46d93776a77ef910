#!/usr/bin/env bash
# Scenario 01: every CPE pair pings between overlay subnets through the group SA; the underlay carries
# only ESP between the CPEs, all with the group SPI; `ip -s xfrm state` counts the packets.
# Controller + 3 agents with static peers, tunnel mode, IPv4 over IPv4.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
nl_overlay_routes
nl_start_all                       # default timers: no rekey during the test
nl_check_cli 1                     # the status commands themselves, as an operator types them
spi=$NL_CUR

before=()
for ((i = 1; i <= NL_CPES; i++)); do before[$i]=$(nl_xfrm_states "cpe$i"); done

nl_capture_start pairs
nl_ping_pairs 4 3                  # 6 ordered pairs x 3 echoes
nl_capture_stop pairs
nl_log "all pairs ping"

plain=$(nl_capture_plain pairs)
[ -z "$plain" ] || nl_fail "non-ESP packets on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"
spis=$(nl_capture_spis pairs | tr '\n' ' ')
[ "$spis" = "$spi " ] || nl_fail "ESP SPIs on the underlay: '$spis', expected only the group's $spi"
esp=$(nl_capture_esp_count pairs "$spi")
[ "$esp" -ge 36 ] || nl_fail "only $esp ESP packets with SPI $spi on the underlay, expected 36"
nl_log "underlay: $esp ESP packets, all SPI $spi, nothing else between the CPEs"

# Counters: each CPE's inbound state (src any) got 12 packets, each outbound state 6.
for ((i = 1; i <= NL_CPES; i++)); do
  now=$(nl_xfrm_states "cpe$i")
  echo "cpe$i: $(awk '{ printf "%s->%s spi %s: %s packets; ", $1, $2, $3, $5 }' <<<"$now")"
  for ((j = 1; j <= NL_CPES; j++)); do
    if [ "$i" = "$j" ]; then dst=${NL_UL[4,$i]} want=12; else dst=${NL_UL[4,$j]} want=6; fi
    n1=$(awk -v d="$dst" -v s="$spi" '$2 == d && $3 == s { print $5 }' <<<"$now")
    n0=$(awk -v d="$dst" -v s="$spi" '$2 == d && $3 == s { print $5 }' <<<"${before[$i]}")
    [ -n "$n1" ] || nl_fail "cpe$i has no state to $dst with SPI $spi"
    [ $((n1 - ${n0:-0})) -ge "$want" ] ||
      nl_fail "cpe$i: state to $dst counted $((n1 - ${n0:-0})) packets during the pings, expected $want"
  done
  # The inbound state is shared by all peers: exactly one, with source any.
  n=$(awk -v d="${NL_UL[4,$i]}" -v s="$spi" '$2 == d && $3 == s { n++ } END { print n + 0 }' <<<"$now")
  [ "$n" = 1 ] || nl_fail "cpe$i has $n inbound states for SPI $spi, expected one (source any)"
done
nl_log "ip -s xfrm state counts the packets"
nl_pass
