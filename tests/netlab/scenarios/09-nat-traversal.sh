#!/usr/bin/env bash
# Scenario 09: a CPE behind a NAT (iptables masquerade in a router namespace). The agent detects the NAT
# (RFC 7296 §2.23), floats IKE to port 4500, and its CHILD_SA with the controller goes into both kernels
# as ESP in UDP (XFRMA_ENCAP, RFC 3948) between port 4500 and the NAT's port: a ping from the CPE to the
# controller crosses the underlay as UDP 4500 only, and both kernels count it.
. "$(dirname "$0")/../lib.sh"
nl_init
nl_topology 1
MPSA_AGENT=$MPSA_AGENT_LIBSSL     # NAT detection needs SHA-1, from libssl
ctl=${NL_UL[4,ctl]}
public=192.0.2.50

# nat: one leg on the underlay bridge (the public address), one towards cpe9 (private 10.99.0.0/24).
NL_NETNS+=(nat cpe9)
ip -batch - <<EOF2 || nl_fail "nat and cpe9 namespaces"
netns add nat
netns add cpe9
link add ul-nat netns ul type veth peer name eth0 netns nat
link add lan0 netns nat type veth peer name eth0 netns cpe9
EOF2
ip -n ul link set ul-nat master br-underlay up || nl_fail "ul-nat on the bridge"
ip -n nat -batch - <<EOF2 || nl_fail "nat addresses"
link set lo up
link set eth0 up
addr add $public/24 dev eth0
link set lan0 up
addr add 10.99.0.1/24 dev lan0
EOF2
ip -n cpe9 -batch - <<EOF2 || nl_fail "cpe9 addresses"
link set lo up
link set eth0 up
addr add 10.99.0.2/24 dev eth0
route add default via 10.99.0.1
EOF2
# The UML kernel has iptables' NAT (iptable_nat, xt_MASQUERADE) as modules, not nftables' NAT chains.
/run/netlab/modprobe -a iptable_nat xt_MASQUERADE 2>/dev/null || nl_fail "cannot load iptable_nat, xt_MASQUERADE"
ip netns exec nat iptables-legacy -t nat -A POSTROUTING -o eth0 -j MASQUERADE || nl_fail "masquerade in nat"
nl_poll 10 nl_ping_any cpe9 "$ctl" || nl_fail "cpe9 cannot reach the controller through the NAT"
nl_log "cpe9 (10.99.0.2) behind nat ($public, masquerade)"

NL_MEMBERS=9 nl_controller_conf "$ctl:500, $ctl:4500"     # NAT-T needs the controller on 4500 too
nl_start_controller
cat > "$NL_DIR/cpe9.conf" <<EOF2
[agent]
identity = cpe9.example.net
psk = "netlab-psk-9"
control_socket = $NL_DIR/cpe9.sock
log_level = debug

[controller]
address = $ctl
identity = controller.example.net
EOF2
chmod 600 "$NL_DIR/cpe9.conf"
nl_start_agent 9

child() { nl_agent_status 9 | jq -e '.child_sa.installed == true' >/dev/null; }
nl_wait 60 "cpe9's CHILD_SA with the controller in its kernel" child
read -r cin cout <<<"$(nl_agent_status 9 | jq -r '.child_sa | "\(.inbound_spi) \(.outbound_spi)"')"
cin=$(nl_spi "$cin") cout=$(nl_spi "$cout")
port=$(nl_ctl_status | jq -r '.members[] | select(.name == "cpe9") | .address' | sed -n 's/.*:\([0-9]*\)$/\1/p')
[ -n "$port" ] && [ "$port" != 500 ] || nl_fail "the controller sees cpe9 at port '$port', expected the NAT's mapping of 4500"

# Both kernels hold the pair with ESP in UDP: the controller's towards the NAT's port, cpe9's towards 4500.
encap() { ip -n "$1" xfrm state | grep -A6 "spi 0x$2 " | grep -o "encap type espinudp sport [0-9]* dport [0-9]*"; }
[ "$(encap cpe9 "$cout")" = "encap type espinudp sport 4500 dport 4500" ] ||
  nl_fail "cpe9's outbound state ${cout}: '$(encap cpe9 "$cout")', expected espinudp 4500 -> 4500"
[ "$(encap ctl "$cin")" = "encap type espinudp sport 4500 dport $port" ] ||
  nl_fail "the controller's outbound state ${cin}: '$(encap ctl "$cin")', expected espinudp 4500 -> $port"
nl_xfrm_has_state ctl "$cin" "$public" "$ctl" || nl_fail "the controller's outbound state is not towards the NAT's address $public"
nl_log "CHILD_SA in $cin out $cout: ESP in UDP, controller 4500 <-> $public:$port"

out0=$(nl_xfrm_packets cpe9 "$cout" "$ctl")
in0=$(nl_xfrm_packets ctl "$cout" "$ctl")
nl_capture_start nat
nl_ping cpe9 "$ctl" 5 0.2 || nl_fail "cpe9 -> controller through the NAT: $NL_RX of $NL_TX echoes answered"
nl_capture_stop nat
plain=$(nl_capture_read nat "host $public and not udp port 4500 and not arp")
[ -z "$plain" ] || nl_fail "traffic of the NAT other than UDP 4500: $(head -n 2 <<<"$plain" | tr '\n' ' ')"
udp=$(nl_capture_read nat "udp and src $public and src port $port and dst $ctl and dst port 4500" | wc -l)
[ "$udp" -ge 5 ] || nl_fail "only $udp UDP 4500 packets from the NAT to the controller during 5 echoes"
out1=$(nl_xfrm_packets cpe9 "$cout" "$ctl")
in1=$(nl_xfrm_packets ctl "$cout" "$ctl")
[ $((out1 - ${out0:-0})) -ge 5 ] && [ $((in1 - ${in0:-0})) -ge 5 ] ||
  nl_fail "ip -s xfrm state: cpe9's outbound counted $((out1 - ${out0:-0})), the controller's inbound $((in1 - ${in0:-0})); expected 5 each"
nl_check_alive
nl_log "5 echoes through the NAT as ESP in UDP ($udp datagrams to 4500), counted by both kernels"
nl_pass
