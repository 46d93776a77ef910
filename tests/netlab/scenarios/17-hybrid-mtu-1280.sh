#!/usr/bin/env bash
# Scenario 17: the hybrid handshake (X25519 + ML-KEM-768 through IKE_INTERMEDIATE, both daemons' default) and the
# group-SA push over an underlay whose MTU is 1280 (IPv6's minimum), IKE over IPv6: the ML-KEM key (1,184 octets) and
# ciphertext (1,088) travel in IKE fragments (RFC 7383) no larger than the path. Asserted: every agent's IKE SA names
# x25519+mlkem768, its group SA is in the kernel and LAN pings pass; on the wire no IP fragment, no IKE datagram over
# 1280 octets, and IKE datagrams near that size (the fragments).
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 3
for ns in ctl cpe1 cpe2 cpe3; do ip -n "$ns" link set eth0 mtu 1280 || nl_fail "MTU of eth0 in $ns"; done
for dev in ul-ctl ul-cpe1 ul-cpe2 ul-cpe3; do ip -n ul link set "$dev" mtu 1280 || nl_fail "MTU of $dev"; done
nl_overlay_routes
nl_capture_start hybrid
nl_controller_conf "[${NL_UL[6,ctl]}]:500"
nl_start_controller
for i in 1 2 3; do nl_agent_conf "$i" underlay=4 controller=6; nl_start_agent "$i"; done
nl_wait_group_ready 120
for i in 1 2 3; do
  kx=$(nl_agent_status "$i" | jq -r .ike_sa.key_exchange)
  [ "$kx" = "x25519+mlkem768" ] || nl_fail "cpe$i's IKE SA: key exchange '$kx', expected x25519+mlkem768"
done
nl_log "every IKE SA is x25519+mlkem768, every CPE holds the group SA $NL_CUR"
nl_ping_pairs 4 2
nl_capture_stop hybrid
big=$(nl_capture_read hybrid "ip6 and udp port 500 and ip6[4:2] > 1240" | wc -l)
[ "$big" = 0 ] || nl_fail "$big IKE datagrams over 1280 octets on the underlay"
frags=$(nl_capture_read hybrid "ip6[6] == 44 or (ip and (ip[6:2] & 0x3fff) != 0)" | wc -l)
[ "$frags" = 0 ] || nl_fail "$frags IP fragments on the underlay"
near=$(nl_capture_read hybrid "ip6 and udp port 500 and ip6[4:2] > 1000" | wc -l)
[ "$near" -gt 0 ] || nl_fail "no IKE datagram over 1,040 octets: the ML-KEM exchanges were not cut to the path"
nl_log "IKE over a 1280-octet path: $near datagrams of 1,040-1,280 octets (fragments), none larger, no IP fragment"
nl_pass
