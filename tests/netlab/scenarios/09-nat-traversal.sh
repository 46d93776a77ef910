#!/usr/bin/env bash
# Scenario 09: CPEs behind NATs (iptables masquerade in router namespaces). cpe9's agent finds libssl and
# detects the NAT (RFC 7296 §2.23); cpe7's, the published one without libssl as on a router with the package
# alone, detects it with the kernel's SHA-1 (AF_ALG: af_alg and algif_hash are loaded, as kmod-crypto-user, which the
# package depends on, loads them on OpenWrt); cpe8's has encap = yes (faked NAT-D data, as strongSwan's encap). All float IKE to port
# 4500, and each CHILD_SA with the controller goes into both kernels as ESP in UDP (XFRMA_ENCAP, RFC 3948)
# between port 4500 and the NAT's port: a ping from the CPE to the controller crosses the underlay as UDP 4500
# only, and both kernels count it. An idle agent keeps the NAT's mapping with keepalives.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 1
MPSA_AGENT_PACKAGED=$MPSA_AGENT   # the published NativeAOT agent (musl): no libssl
ctl=${NL_UL[4,ctl]}
# Each CPE behind its own NAT (two behind one address would share the controller's transport-mode policy):
# natI has one leg on the underlay bridge (its public address), one towards cpeI (private 10.9I.0.0/24).
declare -A public=([9]=192.0.2.50 [8]=192.0.2.51 [7]=192.0.2.52)
# The UML kernel has iptables' NAT (iptable_nat, xt_MASQUERADE) as modules, not nftables' NAT chains.
/run/netlab/modprobe -a iptable_nat xt_MASQUERADE 2>/dev/null || nl_fail "cannot load iptable_nat, xt_MASQUERADE"
for i in 9 8 7; do
  NL_NETNS+=("nat$i" "cpe$i")
  ip -batch - <<EOF2 || nl_fail "nat$i and cpe$i namespaces"
netns add nat$i
netns add cpe$i
link add ul-nat$i netns ul type veth peer name eth0 netns nat$i
link add lan0 netns nat$i type veth peer name eth0 netns cpe$i
EOF2
  ip -n ul link set "ul-nat$i" master br-underlay up || nl_fail "ul-nat$i on the bridge"
  ip -n "nat$i" -batch - <<EOF2 || nl_fail "nat$i addresses"
link set lo up
link set eth0 up
addr add ${public[$i]}/24 dev eth0
link set lan0 up
addr add 10.9$i.0.1/24 dev lan0
EOF2
  ip -n "cpe$i" -batch - <<EOF2 || nl_fail "cpe$i addresses"
link set lo up
link set eth0 up
addr add 10.9$i.0.2/24 dev eth0
route add default via 10.9$i.0.1
EOF2
  ip netns exec "nat$i" iptables-legacy -t nat -A POSTROUTING -o eth0 -j MASQUERADE || nl_fail "masquerade in nat$i"
done
for i in 9 8 7; do
  nl_poll 10 nl_ping_any "cpe$i" "$ctl" || nl_fail "cpe$i cannot reach the controller through the NAT"
done
nl_log "cpe9 (10.99.0.2) behind nat9 (${public[9]}), cpe8 (10.98.0.2) behind nat8 (${public[8]}), cpe7 (10.97.0.2) behind nat7 (${public[7]}), all masquerade"

NL_MEMBERS="9 8 7" nl_controller_conf "$ctl:500, $ctl:4500"     # NAT-T needs the controller on 4500 too
nl_start_controller
for i in 9 8 7; do
  cat > "$NL_DIR/cpe$i.conf" <<EOF2
[agent]
identity = cpe$i.example.net
psk = "netlab-psk-$i"
control_socket = $NL_DIR/cpe$i.sock
log_level = debug
$([ "$i" = 8 ] && echo "encap = yes")

[controller]
address = $ctl
identity = controller.example.net
EOF2
  chmod 600 "$NL_DIR/cpe$i.conf"
done
MPSA_AGENT=$MPSA_AGENT_LIBSSL nl_start_agent 9     # NAT detection needs SHA-1, from libssl
MPSA_AGENT=$MPSA_AGENT_PACKAGED nl_start_agent 8
MPSA_AGENT=$MPSA_AGENT_PACKAGED nl_start_agent 7   # NAT detection with the kernel's SHA-1
nl_poll 20 grep -q "no libssl" "$NL_DIR/cpe8.log" || nl_fail "cpe8's agent does not say it runs without libssl: $(head -n 3 "$NL_DIR/cpe8.log")"
nl_poll 20 grep -q "NAT detection with the kernel's SHA-1 (AF_ALG)" "$NL_DIR/cpe7.log" ||
  nl_fail "cpe7's agent does not say it detects NATs with the kernel's SHA-1: $(grep -m1 'libssl' "$NL_DIR/cpe7.log")"

# through_nat I: cpe I's CHILD_SA with the controller is ESP in UDP in both kernels (the controller's towards the NAT's
# port, the CPE's towards 4500), and 5 echoes from the CPE cross the NAT as UDP 4500 only, counted by both kernels.
encap() { ip -n "$1" xfrm state | grep -A6 "spi 0x$2 " | grep -o "encap type espinudp sport [0-9]* dport [0-9]*"; }
through_nat() {
  local i=$1 cin cout port out0 in0 out1 in1 plain udp
  read -r cin cout <<<"$(nl_agent_status "$i" | jq -r '.child_sa | "\(.inbound_spi) \(.outbound_spi)"')"
  cin=$(nl_spi "$cin") cout=$(nl_spi "$cout")
  port=$(nl_ctl_status | jq -r --arg n "cpe$i" '.members[] | select(.name == $n) | .address' | sed -n 's/.*:\([0-9]*\)$/\1/p')
  [ -n "$port" ] && [ "$port" != 500 ] || nl_fail "the controller sees cpe$i at port '$port', expected the NAT's mapping of 4500"
  [ "$(encap "cpe$i" "$cout")" = "encap type espinudp sport 4500 dport 4500" ] ||
    nl_fail "cpe$i's outbound state ${cout}: '$(encap "cpe$i" "$cout")', expected espinudp 4500 -> 4500"
  [ "$(encap ctl "$cin")" = "encap type espinudp sport 4500 dport $port" ] ||
    nl_fail "the controller's outbound state ${cin}: '$(encap ctl "$cin")', expected espinudp 4500 -> $port"
  nl_xfrm_has_state ctl "$cin" "${public[$i]}" "$ctl" || nl_fail "the controller's outbound state is not towards the NAT's address ${public[$i]}"
  nl_agent_status "$i" | jq -e '.child_sa.udp_encapsulation == true' >/dev/null || nl_fail "cpe$i's status does not say ESP in UDP"
  nl_log "cpe$i: CHILD_SA in $cin out $cout: ESP in UDP, controller 4500 <-> ${public[$i]}:$port"

  out0=$(nl_xfrm_packets "cpe$i" "$cout" "$ctl")
  in0=$(nl_xfrm_packets ctl "$cout" "$ctl")
  nl_capture_start "nat$i"
  nl_ping "cpe$i" "$ctl" 5 0.2 || nl_fail "cpe$i -> controller through the NAT: $NL_RX of $NL_TX echoes answered"
  nl_capture_stop "nat$i"
  plain=$(nl_capture_read "nat$i" "host ${public[$i]} and not udp port 4500 and not arp")
  [ -z "$plain" ] || nl_fail "traffic of the NAT other than UDP 4500: $(head -n 2 <<<"$plain" | tr '\n' ' ')"
  udp=$(nl_capture_read "nat$i" "udp and src ${public[$i]} and src port $port and dst $ctl and dst port 4500" | wc -l)
  [ "$udp" -ge 5 ] || nl_fail "only $udp UDP 4500 packets from the NAT to the controller during cpe$i's 5 echoes"
  out1=$(nl_xfrm_packets "cpe$i" "$cout" "$ctl")
  in1=$(nl_xfrm_packets ctl "$cout" "$ctl")
  [ $((out1 - ${out0:-0})) -ge 5 ] && [ $((in1 - ${in0:-0})) -ge 5 ] ||
    nl_fail "ip -s xfrm state: cpe$i's outbound counted $((out1 - ${out0:-0})), the controller's inbound $((in1 - ${in0:-0})); expected 5 each"
  nl_log "cpe$i: 5 echoes through the NAT as ESP in UDP ($udp datagrams to 4500), counted by both kernels"
}
# Both first: IKE of one on port 500 must not cross the other's capture.
child() { nl_agent_status "$1" | jq -e '.child_sa.installed == true' >/dev/null; }
for i in 9 8 7; do
  nl_wait 60 "cpe$i's CHILD_SA with the controller in its kernel" child "$i"
done
through_nat 9
through_nat 8
through_nat 7

# NAT keepalives (RFC 3948 §2.3): one octet 0xFF to the controller's port 4500 through the NAT, without the non-ESP
# marker, 20 s after the agent last sent anything there. Its liveness check (after 30 s without hearing from the
# controller) counts as sent and may come just before, so the next keepalive can be up to 40 s away: wait up to 45 s.
nl_capture_start keepalive
keepalives() { nl_capture_read keepalive "udp and src ${public[8]} and dst $ctl and dst port 4500 and udp[4:2] = 9" | wc -l; }
keepalive_seen() { [ "$(keepalives)" -ge 1 ]; }
nl_wait 45 "a NAT keepalive (UDP payload of one octet) from cpe8 through nat8 to the controller's 4500" keepalive_seen
nl_capture_stop keepalive
nl_log "cpe8: $(keepalives) NAT keepalive(s)"
nl_check_alive
nl_pass
