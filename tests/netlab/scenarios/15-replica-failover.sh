#!/usr/bin/env bash
# Scenario 15: two controller replicas in cluster mode (one etcd), every agent given both addresses. The replica
# cpe1 is connected to is killed with -9 while lan1 pings lan2 five times a second: not one echo is lost (the group
# SA stays in the kernels), cpe1 fails over to the other replica, and gets the same group SA from it (same SPI).
. "$(dirname "$0")/../lib.sh"
nl_init
[ -x /usr/bin/etcd ] || nl_fail "/usr/bin/etcd is not installed (make deps installs etcd-server)"
nl_topology 3
nl_overlay_routes
# A second controller host on the underlay: ns ctl2, 192.0.2.2.
ctl2=192.0.2.2
ip netns add ctl2 && NL_NETNS+=(ctl2)
ip link add ul-ctl2 netns ul type veth peer name eth0 netns ctl2 || nl_fail "veth of ctl2"
ip -n ul link set ul-ctl2 master br-underlay up
ip -n ctl2 link set lo up && ip -n ctl2 link set eth0 up && ip -n ctl2 addr add "$ctl2/24" dev eth0 || nl_fail "addresses of ctl2"

etcd_url=http://${NL_UL[4,ctl]}:2379
ip netns exec ctl /usr/bin/etcd --name e0 --data-dir "$NL_DIR/etcd" --listen-client-urls "$etcd_url" \
  --advertise-client-urls "$etcd_url" --listen-peer-urls http://127.0.0.1:2380 \
  --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster e0=http://127.0.0.1:2380 >> "$NL_DIR/etcd.log" 2>&1 &
NL_PIDS[etcd]=$!
etcd_up() { ip netns exec ctl2 etcdctl --endpoints "$etcd_url" endpoint health >/dev/null 2>&1; }
nl_wait 60 "etcd to answer" etcd_up

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$NL_DIR/state.key"
chmod 600 "$NL_DIR/state.key"
# replica_conf NAME ADDRESS: one replica's config; both serve group g with members cpe1..3 from their config.
replica_conf() {
  nl_controller_conf "$2:500"
  sed -e "s|^control_socket = .*|control_socket = $NL_DIR/$1.sock|" -e "s|^state_dir = .*|state_dir = $NL_DIR/$1-state\nstate_key = $NL_DIR/state.key|" \
    -e "s|^\[group |[cluster]\netcd = $etcd_url\nname = $1\nlease_ttl = 3s\n\n[group |" "$NL_DIR/controller.conf" > "$NL_DIR/$1.conf"
}
replica_conf ctla "${NL_UL[4,ctl]}"
replica_conf ctlb "$ctl2"
rm "$NL_DIR/controller.conf"
start_replica() {   # start_replica NAME NETNS
  ip netns exec "$2" "$MPSA_CONTROLLER" run --config "$NL_DIR/$1.conf" >> "$NL_DIR/$1.log" 2>&1 &
  NL_PIDS[$1]=$!
  nl_log "replica $1 started in $2 (pid ${NL_PIDS[$1]})"
}
start_replica ctla ctl
start_replica ctlb ctl2
status_of() { nl_control "$NL_DIR/$1.sock" "status --json"; }
spi_of() { status_of "$1" | jq -r '.groups[0].current_spi // empty'; }
both_serve() { [ -n "$(spi_of ctla)" ] && [ "$(spi_of ctla)" = "$(spi_of ctlb)" ]; }
nl_wait 90 "both replicas serving one group SA" both_serve
spi=$(nl_spi "$(spi_of ctla)")
nl_log "both replicas serve group SA $spi"

# cpe1 lists ctla first, cpe2 and cpe3 ctlb first; a liveness check every 2 s, resent after 1, 2 and 4 s, finds a dead
# replica in about 9 s.
for i in 1 2 3; do
  nl_agent_conf "$i" agent="liveness_interval = 2s;retry_min = 1s;retry_max = 5s;retransmit_timeout = 1s;retransmit_tries = 3"
  if [ "$i" = 1 ]; then list="${NL_UL[4,ctl]}, $ctl2"; else list="$ctl2, ${NL_UL[4,ctl]}"; fi
  sed -i "s|^address = ${NL_UL[4,ctl]}\$|address = $list|" "$NL_DIR/cpe$i.conf"
  nl_start_agent "$i"
done
connected_to() { nl_agent_status "$1" | jq -r 'select(.controller.state == "connected") | .controller.address' | sed 's/:[0-9]*$//'; }
on_spi() { nl_agent_spis "$1"; [[ " $NL_AGENT_SAS " == *" $spi:active "* ]] && nl_inbound_present "$1" "$spi"; }
for i in 1 2 3; do nl_wait 90 "cpe$i on group SA $spi" on_spi "$i"; done
[ "$(connected_to 1)" = "${NL_UL[4,ctl]}" ] || nl_fail "cpe1 is connected to '$(connected_to 1)', not to ctla (${NL_UL[4,ctl]})"
nl_ping_pairs 4 2

# 150 echoes lan1 -> lan2 over 30 s; ctla is killed 5 s in.
ip netns exec lan1 ping -n -q -i 0.2 -c 150 -w 45 "${NL_LAN[4,2]}" > "$NL_DIR/ping.txt" 2>&1 &
ping_pid=$!
sleep 5
nl_stop ctla KILL 10 || nl_fail "replica ctla survived SIGKILL"
nl_log "replica ctla killed (-9)"
moved() { [ "$(connected_to 1)" = "$ctl2" ]; }
nl_wait 40 "cpe1 connected to ctlb" moved
nl_log "cpe1 failed over to ctlb"
wait "$ping_pid"
summary=$(grep 'packets transmitted' "$NL_DIR/ping.txt")
nl_log "lan1 -> lan2 while ctla died: $summary"
[[ $summary =~ ([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]] && [ "${BASH_REMATCH[1]}" = 150 ] &&
  [ "${BASH_REMATCH[2]}" = 150 ] || nl_fail "echoes lost while cpe1's replica was killed: $summary"

# The same group SA, from the surviving replica, on every CPE: the failover changed no key.
for i in 1 2 3; do on_spi "$i" || nl_fail "cpe$i no longer holds group SA $spi after the failover ($NL_AGENT_SAS)"; done
[ "$(nl_spi "$(spi_of ctlb)")" = "$spi" ] || nl_fail "ctlb's current SA changed with the failover: $(spi_of ctlb)"
nl_check_alive cpe1 cpe2 cpe3 ctlb
nl_ping_pairs 4 2
nl_pass
