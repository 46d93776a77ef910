#!/usr/bin/env bash
# Scenario 05: agent stop (SIGTERM): none of its states or policies remain, and a foreign SA (with its
# policies) added before the agent started is untouched: same states, same policies, same keys.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
nl_overlay_routes

# A foreign SA on cpe1, as another IKE daemon would install it: its own SPIs, reqid, selectors.
K1=0x$(printf 'f%.0s' {1..64})
K2=0x$(printf 'e%.0s' {1..64})
ip -n cpe1 -batch - <<EOF2 || nl_fail "cannot install the foreign SA"
xfrm state add src 192.0.2.11 dst 192.0.2.99 proto esp spi 0x0badf00d mode tunnel reqid 77 enc cbc(aes) $K1 auth-trunc hmac(sha256) $K2 128
xfrm state add src 192.0.2.99 dst 192.0.2.11 proto esp spi 0x0badf00e mode tunnel reqid 77 enc cbc(aes) $K2 auth-trunc hmac(sha256) $K1 128
xfrm policy add src 172.16.1.0/24 dst 172.16.99.0/24 dir out tmpl src 192.0.2.11 dst 192.0.2.99 proto esp mode tunnel reqid 77
xfrm policy add src 172.16.99.0/24 dst 172.16.1.0/24 dir in tmpl src 192.0.2.99 dst 192.0.2.11 proto esp mode tunnel reqid 77
xfrm policy add src 172.16.99.0/24 dst 172.16.1.0/24 dir fwd tmpl src 192.0.2.99 dst 192.0.2.11 proto esp mode tunnel reqid 77
EOF2
# Everything about it as the kernel shows it, keys included (ip -s would add counters that may move).
foreign() { ip -n cpe1 xfrm state; echo ===; ip -n cpe1 xfrm policy; }
before=$(foreign)
states0=$(nl_xfrm_state_keys cpe1)
policies0=$(nl_xfrm_policy_keys cpe1)

nl_start_all
nl_ping_pairs 4 2
n=$(nl_xfrm_count cpe1 "$NL_CUR")
[ "$n" -ge 3 ] || nl_fail "cpe1 holds $n states with the group SPI, expected 3 (inbound + 2 peers)"
nl_log "cpe1 runs with $(nl_xfrm_count cpe1) states, $(nl_xfrm_policy_count cpe1) policies"

nl_stop cpe1 TERM 20 || nl_fail "agent cpe1 did not exit within 20 s of SIGTERM"
[ "$NL_EXIT" = 0 ] || nl_fail "agent cpe1 exited with status $NL_EXIT on SIGTERM"
nl_log "agent cpe1 stopped"

states1=$(nl_xfrm_state_keys cpe1)
policies1=$(nl_xfrm_policy_keys cpe1)
[ "$states1" = "$states0" ] ||
  nl_fail "cpe1's states after stop are not the foreign ones alone: $(diff <(echo "$states0") <(echo "$states1") | grep '^[<>]' | tr '\n' ';')"
[ "$policies1" = "$policies0" ] ||
  nl_fail "cpe1's policies after stop are not the foreign ones alone: $(diff <(echo "$policies0") <(echo "$policies1") | grep '^[<>]' | tr '\n' ';')"
[ "$(foreign)" = "$before" ] || nl_fail "the foreign SA or its policies changed (keys, lifetimes or flags)"
nl_log "only the foreign SA remains on cpe1, unchanged"
nl_pass
