#!/usr/bin/env bash
# Scenario 00: the lab itself, with none of our code. One shared ESP SA installed by hand with
# `ip xfrm` on three CPEs, the way mpsa-agent must install it (docs/ARCHITECTURE.md §7, the Linux XFRM facts):
#
#   on cpeI, for the group SA (SPI S, the same keys everywhere, tunnel mode, cbc(aes) + hmac(sha256)):
#     inbound:  ONE state   src 0.0.0.0 (any) dst <own underlay>   spi S  replay-window 0
#     outbound: one state per peer J   src <own underlay> dst <J's underlay>   spi S  replay-window 0
#     policies, per peer J and per overlay family:
#       dir out  src <own subnet> dst <J's subnet>  tmpl src <own underlay> dst <J's underlay> esp tunnel
#       dir fwd  src <J's subnet> dst <own subnet>  tmpl dst <own underlay> esp tunnel   (source: any)
#       dir in   the same as fwd, for traffic to the CPE itself
#   The in/fwd templates leave the source unset: the inbound state's source is "any", and a template
#   whose source differs from the state's does not match, so decapsulated packets would be dropped.
#   The states carry `flag af-unspec`, so one SA over one underlay family carries overlay traffic of
#   both families (IPv4 and IPv6 subnets over an IPv4 or an IPv6 underlay).
#
# Asserts: every CPE pair pings between overlay subnets (lanI -> lanJ); the underlay carries only ESP,
# all with SPI S; `ip -s xfrm state` counts the packets. Then IPv6 over IPv4, and (states and
# policies reinstalled on the IPv6 underlay) IPv4 over IPv6 and IPv6 over IPv6.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3

SPI=0000c001
ENC_KEY=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f    # 256-bit AES key
AUTH_KEY=0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f   # 256-bit HMAC key
REQID=1

# xfrm_cmds I FAMILY: the `ip xfrm` commands for the shared SA on cpeI over the FAMILY (4|6) underlay.
xfrm_cmds() {
  local i=$1 fam=$2 j net dir own=${NL_UL[$2,$1]} any=0.0.0.0
  [ "$fam" = 6 ] && any=::
  local alg="enc cbc(aes) $ENC_KEY auth-trunc hmac(sha256) $AUTH_KEY 128"
  # Inbound: one state receives from every member.
  echo "xfrm state add src $any dst $own proto esp spi 0x$SPI mode tunnel reqid $REQID replay-window 0 flag af-unspec $alg"
  for ((j = 1; j <= NL_CPES; j++)); do
    [ "$j" = "$i" ] && continue
    # Outbound: one state per peer, the same SPI and keys.
    echo "xfrm state add src $own dst ${NL_UL[$fam,$j]} proto esp spi 0x$SPI mode tunnel reqid $REQID replay-window 0 flag af-unspec $alg"
    for net in 4 6; do
      echo "xfrm policy add src ${NL_NET[$net,$i]} dst ${NL_NET[$net,$j]} dir out" \
           "tmpl src $own dst ${NL_UL[$fam,$j]} proto esp mode tunnel reqid $REQID"
      for dir in fwd in; do
        echo "xfrm policy add src ${NL_NET[$net,$j]} dst ${NL_NET[$net,$i]} dir $dir" \
             "tmpl dst $own proto esp mode tunnel reqid $REQID"
      done
    done
  done
}

# install FAMILY: states and policies on every CPE (one `ip -batch` each: processes are slow in UML).
install() {
  local i
  for ((i = 1; i <= NL_CPES; i++)); do
    xfrm_cmds "$i" "$1" > "$NL_DIR/cpe$i.xfrm"
    ip -n "cpe$i" -batch "$NL_DIR/cpe$i.xfrm" || nl_fail "cpe$i: ip xfrm failed (commands in $NL_DIR/cpe$i.xfrm)"
  done
}

# ---- IPv4 over IPv4, with the full set of assertions
nl_overlay_routes
install 4
nl_log "shared SA $SPI installed on cpe1..cpe$NL_CPES; cpe1's commands:"
sed 's/0x[0-9a-f]\{64\}/KEY/g' "$NL_DIR/cpe1.xfrm"

nl_capture_start v4v4
nl_ping_pairs 4 3
nl_capture_stop v4v4
nl_log "all pairs ping (IPv4 over IPv4)"

plain=$(nl_capture_plain v4v4)
[ -z "$plain" ] || nl_fail "non-ESP packets on the underlay: $(head -n 3 <<<"$plain" | tr '\n' ' ')"
spis=$(nl_capture_spis v4v4 | tr '\n' ' ')
[ "$spis" = "$SPI " ] || nl_fail "ESP SPIs on the underlay: '$spis', expected only $SPI"
esp=$(nl_capture_esp_count v4v4 "$SPI")
# 6 ordered pairs x 3 echoes x (request + reply) = 36 ESP packets.
[ "$esp" -ge 36 ] || nl_fail "only $esp ESP packets with SPI $SPI on the underlay, expected 36"
nl_log "underlay: $esp ESP packets, all SPI $SPI, nothing else between the CPEs"

# The kernel's counters: each CPE received 12 packets on its inbound state and sent 6 to each peer.
for ((i = 1; i <= NL_CPES; i++)); do
  states=$(nl_xfrm_states "cpe$i")
  echo "cpe$i: $(awk '{ printf "%s->%s spi %s: %s packets; ", $1, $2, $3, $5 }' <<<"$states")"
  for ((j = 1; j <= NL_CPES; j++)); do
    if [ "$i" = "$j" ]; then dst=${NL_UL[4,$i]} want=12; else dst=${NL_UL[4,$j]} want=6; fi
    got=$(awk -v d="$dst" -v s="$SPI" '$2 == d && $3 == s { print $5 }' <<<"$states")
    [ "${got:-0}" -ge "$want" ] || nl_fail "cpe$i: state to $dst counted ${got:-no} packets, expected $want"
  done
done
nl_log "ip -s xfrm state counts the packets"

# ---- IPv6 over IPv4 (the same states: af-unspec)
nl_capture_start v6v4
nl_ping_pairs 6 3
nl_capture_stop v6v4
[ -z "$(nl_capture_plain v6v4)" ] || nl_fail "IPv6 over IPv4: non-ESP packets on the underlay"
n=$(nl_capture_esp_count v6v4 "$SPI" "ip and esp")
[ "$n" -ge 36 ] || nl_fail "IPv6 over IPv4: $n ESP packets on the IPv4 underlay, expected 36"
nl_log "all pairs ping (IPv6 over IPv4)"

# ---- IPv4 and IPv6 over IPv6
for ((i = 1; i <= NL_CPES; i++)); do
  ip -n "cpe$i" xfrm policy flush
  ip -n "cpe$i" xfrm state flush
done
install 6
nl_capture_start over6
nl_ping_pairs 4 3
nl_ping_pairs 6 3
nl_capture_stop over6
[ -z "$(nl_capture_plain over6)" ] || nl_fail "over IPv6: non-ESP packets on the underlay"
n=$(nl_capture_esp_count over6 "$SPI" "ip6 and esp")
[ "$n" -ge 72 ] || nl_fail "over IPv6: $n ESP packets on the IPv6 underlay, expected 72"
[ "$(nl_capture_esp_count over6 "" "ip and esp")" = 0 ] || nl_fail "over IPv6: ESP on the IPv4 underlay"
nl_log "all pairs ping (IPv4 over IPv6, IPv6 over IPv6): $n ESP packets on the IPv6 underlay"

nl_pass
