#!/usr/bin/env bash
# bench/lib/route-flush-probe.sh — how many route notifications the agent's route socket holds: inside the netlab UML
# (tests/netlab/uml-run.sh bench/lib/route-flush-probe.sh), cpe1's agent follows table 100; 500, 1,000 and 2,000
# routes are added (one per request), then `ip route flush table 100` removes them many per sendmsg. Prints the route
# socket's buffer (ss -m: rb), and per size the out policies and outbound states left 15 s after the flush beside the
# kernel's Drops counter of that socket (/proc/net/netlink). The agent is restarted between sizes (a clean slate).
. "$NETLAB_REPO/tests/netlab/lib.sh"
# shellcheck disable=SC2034 # read by nl_controller_conf (lib.sh)
NL_LIFETIME=2h NL_REKEY_MARGIN=10m
nl_init; nl_topology 1
NL_MEMBERS=1 nl_controller_conf
nl_agent_conf 1 peers=none route_table=100
sed -i 's/^log_level = debug/log_level = info/' "$NL_DIR/controller.conf" "$NL_DIR/cpe1.conf"
ip -n cpe1 rule add pref 100 lookup 100
nl_start_controller; nl_start_agent 1
nl_wait_group_ready 150 1
echo "rmem_max=$(cat /proc/sys/net/core/rmem_max) rmem_default=$(cat /proc/sys/net/core/rmem_default)"
nsenter --net=/run/netns/cpe1 ss -f netlink -a -m -e 2>&1 | head -30
nsenter --net=/run/netns/cpe1 cat /proc/net/netlink
for peers in 50 100 200; do
  awk -v peers=$peers 'BEGIN { for (g = 0; g < peers; g++) for (p = 0; p < 10; p++) { k = g * 10 + p
    print "route add 10." (64 + int(k / 256)) "." (k % 256) ".0/24 via 198.18." int(g / 250) "." (g % 250 + 1) " dev eth0 onlink table 100" } }' > $NL_DIR/r.add
  ip -n cpe1 -batch $NL_DIR/r.add
  for _ in $(seq 1 120); do read -r _ _ _ _ o _ <<<"$(ip -n cpe1 xfrm policy count | head -n 1)"; [ "$o" -ge $((peers * 10)) ] && break; sleep 0.5; done
  echo "peers=$peers routes=$((peers * 10)) out policies after add: $o"
  d0=$(nsenter --net=/run/netns/cpe1 cat /proc/net/netlink | awk '$2 == 0 && $4 == "00000440" { print $9 }')
  ip -n cpe1 route flush table 100
  sleep 15
  read -r _ _ _ _ o _ <<<"$(ip -n cpe1 xfrm policy count | head -n 1)"
  d1=$(nsenter --net=/run/netns/cpe1 cat /proc/net/netlink | awk '$2 == 0 && $4 == "00000440" { print $9 }')
  st=$(ip -n cpe1 xfrm state | grep -c "^src $(echo ${NL_UL[4,1]}) dst 198.18")
  echo "peers=$peers routes=$((peers * 10)) after flush + 15 s: out policies $o (1 is the CHILD_SA's), outbound states $st, route socket drops $d0 -> $d1"
  # clean slate for the next size: restart the agent (it removes what it owns)
  nl_stop cpe1 TERM 60; ip -n cpe1 xfrm policy flush; ip -n cpe1 xfrm state flush
  nl_start_agent 1; nl_wait_group_ready 150 1
done
nl_pass
