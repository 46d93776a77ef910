#!/usr/bin/env bash
# bench/lib/route-scale-uml.sh — one run of bench/route-scale.sh, INSIDE the netlab UML (tests/netlab/uml-run.sh):
# PEERS peers with PREFIXES routes each (default 500 x 10 = 5,000 routes) in cpe1's table 100, which mpsa-agent
# follows (route_table = 100, tunnel mode, no static peers). Prints `RESULT route-scale ...` lines (times in seconds of
# UML uptime, 10 ms resolution; a poll costs 0.1-0.3 s in UML, so the agent's times are that much coarse).
#
#   base     the kernel alone, in a namespace of its own: `ip -batch` adds the routes, one `ip -batch` the states and
#            one the policies the agent would install (PEERS outbound states, LOCAL4 x PEERS x PREFIXES out policies),
#            then all three are deleted again the same way. At the start and at the end of the run (the machine is noisy).
#   a        agent running, group SA installed, empty table: all routes added with one `ip -batch`; time until the
#            kernel holds every outbound state and out policy (counted with `ip xfrm state/policy count`, checked
#            one by one at the end).
#   c        all routes deleted with one `ip -batch`; time until the agent removed every state and policy.
#   a2       (a) once more.
#   c-flush  all routes deleted with `ip route flush table 100` (many deletions per sendmsg: the fastest burst of
#            RTM_DELROUTE notifications userspace can cause), as a probe for lost events.
#   b        agent stopped, routes added again, agent started with the full table: time from its start to the group SA
#            (the inbound state) and to every state and policy.
#   stop     SIGTERM to exit with the full set installed (the agent removes everything it owns).
#
# A phase that stops making progress for STALL seconds is cut short: its counts are reported as they are
# (`complete=no`), with what is missing, the agent's log lines and its route socket's drop counter (/proc/net/netlink).
. "$NETLAB_REPO/tests/netlab/lib.sh"

PEERS=${NETLAB_RB_PEERS:-500}
PREFIXES=${NETLAB_RB_PREFIXES:-10}
STALL=${NETLAB_RB_STALL:-30}
RUN=${NETLAB_RB_RUN:-1}
TABLE=100
ROUTES=$((PEERS * PREFIXES))
# No group rekey during the run (the outbound states would be doubled for a while): long lifetime.
# shellcheck disable=SC2034 # read by nl_controller_conf (lib.sh)
NL_LIFETIME=2h NL_REKEY_MARGIN=10m

nl_init
nl_require_daemons
nl_topology 1
UL=${NL_UL[4,1]}
LOCAL4=1                                      # cpe1's IPv4 subnets (subnets = 10.1.1.0/24, fd00:1:1::/64)
WANT_STATES=$PEERS
WANT_POLICIES=$((LOCAL4 * ROUTES))

# ---------------------------------------------------------------- the batches
# Peer g (0..PEERS-1): gateway 198.18.(g/250).(g%250+1), outside the underlay's /24, hence `onlink`.
# Prefix k (0..ROUTES-1) of peer k/PREFIXES: 10.(64 + k/256).(k%256).0/24.
awk -v peers="$PEERS" -v per="$PREFIXES" -v table="$TABLE" -v ul="$UL" -v dir="$NL_DIR" '
  function gw(g) { return "198.18." int(g / 250) "." (g % 250 + 1) }
  function pfx(k) { return "10." (64 + int(k / 256)) "." (k % 256) ".0/24" }
  BEGIN {
    key1 = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    key2 = "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    alg = "enc cbc(aes) " key1 " auth-trunc hmac(sha256) " key2 " 128"
    for (g = 0; g < peers; g++) {
      print gw(g) > (dir "/want.gateways")
      print "xfrm state add src " ul " dst " gw(g) " proto esp spi 0x0000c001 mode tunnel reqid 1 replay-window 0 flag af-unspec " alg > (dir "/states.add")
      for (p = 0; p < per; p++) {
        k = g * per + p
        print "route add " pfx(k) " via " gw(g) " dev eth0 onlink table " table > (dir "/routes.add")
        print "route del " pfx(k) " via " gw(g) " dev eth0 onlink table " table > (dir "/routes.del")
        print pfx(k), gw(g) > (dir "/want.policies")
        print "xfrm policy add src 10.1.1.0/24 dst " pfx(k) " dir out priority 1000 tmpl src " ul " dst " gw(g) " proto esp mode tunnel reqid 1" > (dir "/policies.add")
        print "xfrm policy del src 10.1.1.0/24 dst " pfx(k) " dir out" > (dir "/policies.del")
      }
    }
    for (g = 0; g < peers; g++) print "xfrm state del src " ul " dst " gw(g) " proto esp spi 0x0000c001" > (dir "/states.del")
  }'
sort -o "$NL_DIR/want.gateways" "$NL_DIR/want.gateways"
sort -o "$NL_DIR/want.policies" "$NL_DIR/want.policies"

# ---------------------------------------------------------------- measuring
now() { nl_uptime; echo "$NL_CS"; }
secs() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
result() { echo "RESULT route-scale run=$RUN peers=$PEERS routes=$ROUTES $*"; }

# counts NS: NS_STATES (SAD count) and NS_OUT (out policies, socket policies not counted), two cheap `ip` calls.
counts() {
  read -r _ _ NS_STATES <<<"$(ip -n "$1" xfrm state count 2>/dev/null)"
  read -r _ _ _ _ NS_OUT _ <<<"$(ip -n "$1" xfrm policy count 2>/dev/null | head -n 1)"
  NS_STATES=${NS_STATES:-0} NS_OUT=${NS_OUT:-0}
}

# agent_cpu: the agent's user+system CPU time in centiseconds (USER_HZ 100).
agent_cpu() {
  local pid=${NL_PIDS[cpe1]:-} s
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo 0; return; }
  read -r s < "/proc/$pid/stat"
  s=${s##*) }                                   # fields from the 3rd (state) on
  set -- $s
  echo $((${12} + ${13}))
}

# wait_counts T0 WANT_STATES WANT_OUT [SA]: polls cpe1's counts until both equal the wanted numbers; stops when
# nothing changed for STALL seconds (once the group SA is there) or after 600 s. SA=sa also waits for the inbound
# group state, setting T_SA. Sets T_STATES, T_OUT (first time each count was right), T_OUT_ROUTES (first time there
# were as many out policies as the routes want: in (b) they come before the CHILD_SA's own), T_DONE, COMPLETE.
wait_counts() {
  local t0=$1 ws=$2 wo=$3 sa=${4:-} last_s=-1 last_o=-1 changed have_sa=yes
  [ "$sa" = sa ] && have_sa=no
  T_STATES='' T_OUT='' T_OUT_ROUTES='' T_SA='' T_DONE='' COMPLETE=no
  nl_uptime; changed=$NL_CS
  while true; do
    counts cpe1
    nl_uptime
    if [ "$have_sa" = no ] && ip -n cpe1 xfrm state list dst "$UL" proto esp 2>/dev/null | grep -q "^src 0.0.0.0 dst $UL"; then
      have_sa=yes; T_SA=$((NL_CS - t0)); changed=$NL_CS
    fi
    [ -z "$T_STATES" ] && [ "$NS_STATES" = "$ws" ] && T_STATES=$((NL_CS - t0))
    [ -z "$T_OUT" ] && [ "$NS_OUT" = "$wo" ] && T_OUT=$((NL_CS - t0))
    [ -z "$T_OUT_ROUTES" ] && [ "$NS_OUT" -ge "$WANT_POLICIES" ] && T_OUT_ROUTES=$((NL_CS - t0))
    if [ "$NS_STATES" = "$ws" ] && [ "$NS_OUT" = "$wo" ] && [ "$have_sa" = yes ]; then
      T_DONE=$((NL_CS - t0)); COMPLETE=yes; return 0
    fi
    if [ "$NS_STATES" != "$last_s" ] || [ "$NS_OUT" != "$last_o" ]; then
      last_s=$NS_STATES last_o=$NS_OUT changed=$NL_CS
    fi
    if { [ "$have_sa" = yes ] && [ $((NL_CS - changed)) -ge $((STALL * 100)) ]; } || [ $((NL_CS - t0)) -ge 60000 ]; then
      T_DONE=$((NL_CS - t0)); return 1
    fi
    nl_alive cpe1 || { T_DONE=$((NL_CS - t0)); return 1; }
    sleep 0.1
  done
}

# check_exact PHASE WANT(full|empty): compares cpe1's outbound group states and out policies one by one with the
# wanted sets; sets MISSING_S, EXTRA_S, MISSING_P, EXTRA_P and prints a few of each.
check_exact() {
  local phase=$1 want=$2
  nl_xfrm_all_states cpe1 | awk -v ul="$UL" -v spi="$NL_CUR" '$1 == ul && $3 == spi { print $2 }' | sort > "$NL_DIR/have.gateways"
  nl_xfrm_policy_keys cpe1 | awk -v ul="$UL" '$1 == "out" && $4 == ul { print $3, $5 }' | sort > "$NL_DIR/have.policies"
  if [ "$want" = full ]; then
    cp "$NL_DIR/want.gateways" "$NL_DIR/exp.gateways"; cp "$NL_DIR/want.policies" "$NL_DIR/exp.policies"
  else
    : > "$NL_DIR/exp.gateways"; : > "$NL_DIR/exp.policies"
  fi
  comm -23 "$NL_DIR/exp.gateways" "$NL_DIR/have.gateways" > "$NL_DIR/$phase.missing.states"
  comm -13 "$NL_DIR/exp.gateways" "$NL_DIR/have.gateways" > "$NL_DIR/$phase.extra.states"
  comm -23 "$NL_DIR/exp.policies" "$NL_DIR/have.policies" > "$NL_DIR/$phase.missing.policies"
  comm -13 "$NL_DIR/exp.policies" "$NL_DIR/have.policies" > "$NL_DIR/$phase.extra.policies"
  MISSING_S=$(wc -l < "$NL_DIR/$phase.missing.states") EXTRA_S=$(wc -l < "$NL_DIR/$phase.extra.states")
  MISSING_P=$(wc -l < "$NL_DIR/$phase.missing.policies") EXTRA_P=$(wc -l < "$NL_DIR/$phase.extra.policies")
  local f
  for f in missing.states extra.states missing.policies extra.policies; do
    [ -s "$NL_DIR/$phase.$f" ] && nl_log "$phase: $f ($(wc -l < "$NL_DIR/$phase.$f")), first: $(head -n 5 "$NL_DIR/$phase.$f" | tr '\n' ';')"
  done
  return 0
}

# route_socket_drops: the Drops column of the agent's route socket (NETLINK_ROUTE, groups 0x440: RTNLGRP_IPV4_ROUTE
# and RTNLGRP_IPV6_ROUTE) in cpe1's /proc/net/netlink; the kernel counts there every event the socket lost (ENOBUFS).
route_socket_drops() {
  nsenter --net=/run/netns/cpe1 cat /proc/net/netlink 2>/dev/null |
    awk '$2 == 0 && $4 == "00000440" { d += $9; n++ } END { print (n ? d : "?") }'
}

# log_summary PHASE FROM_LINE: what the agent logged in the phase.
log_summary() {
  local log=$NL_DIR/cpe1.log from=$2
  local added removed pol over errs
  added=$(tail -n +"$from" "$log" | grep -c "peer .* added (Route)")
  removed=$(tail -n +"$from" "$log" | grep -c "peer .* removed")
  pol=$(tail -n +"$from" "$log" | grep -c "kernel: policy ")
  over=$(tail -n +"$from" "$log" | grep -ciE "overrun|ENOBUFS|No buffer space|events? lost|lost events?|resync")
  errs=$(tail -n +"$from" "$log" | grep -cE "^(fail|crit|warn):|Unhandled|Exception")
  LOGS="log_peers_added=$added log_peers_removed=$removed log_policy_lines=$pol log_overrun_lines=$over log_warn_or_fail=$errs"
  tail -n +"$from" "$log" | grep -iE "overrun|ENOBUFS|No buffer space|events? lost|lost events?|resync|^(fail|crit|warn):|Exception" | head -n 5 |
    sed "s/^/[$1 log] /"
}
log_line() { echo $(($(wc -l < "$NL_DIR/cpe1.log" 2>/dev/null || echo 0) + 1)); }

# ---------------------------------------------------------------- the kernel alone
baseline() {
  local tag=$1 t0 t1 t2 t3 t4 t5 t6 s o
  ip netns add bl; NL_NETNS+=(bl)
  printf '%s\n' "link set lo up" "link add eth0 type dummy" "addr add $UL/24 dev eth0" "link set eth0 up" | ip -n bl -batch -
  t0=$(now)
  ip -n bl -batch "$NL_DIR/routes.add" || nl_fail "baseline: ip -batch routes.add"
  t1=$(now)
  ip -n bl -batch "$NL_DIR/states.add" || nl_fail "baseline: ip -batch states.add"
  t2=$(now)
  ip -n bl -batch "$NL_DIR/policies.add" || nl_fail "baseline: ip -batch policies.add"
  t3=$(now)
  counts bl; s=$NS_STATES o=$NS_OUT
  ip -n bl -batch "$NL_DIR/routes.del" || nl_fail "baseline: ip -batch routes.del"
  t4=$(now)
  ip -n bl -batch "$NL_DIR/policies.del" || nl_fail "baseline: ip -batch policies.del"
  t5=$(now)
  ip -n bl -batch "$NL_DIR/states.del" || nl_fail "baseline: ip -batch states.del"
  t6=$(now)
  counts bl
  ip netns del bl; unset 'NL_NETNS[-1]'
  [ "$s" = "$WANT_STATES" ] && [ "$o" = "$WANT_POLICIES" ] || nl_fail "baseline $tag: kernel holds $s states, $o out policies"
  [ "$NS_STATES" = 0 ] && [ "$NS_OUT" = 0 ] || nl_fail "baseline $tag: $NS_STATES states, $NS_OUT out policies left"
  result "phase=base-$tag routes_add=$(secs $((t1 - t0))) states_add=$(secs $((t2 - t1))) policies_add=$(secs $((t3 - t2)))" \
    "routes_del=$(secs $((t4 - t3))) policies_del=$(secs $((t5 - t4))) states_del=$(secs $((t6 - t5))) states=$s out_policies=$o"
}

nl_log "run $RUN: $PEERS peers x $PREFIXES prefixes = $ROUTES routes; want $WANT_STATES outbound states, $WANT_POLICIES out policies; rmem_max $(cat /proc/sys/net/core/rmem_max)"
baseline start

# ---------------------------------------------------------------- the agent
NL_MEMBERS=1 nl_controller_conf
nl_agent_conf 1 peers=none route_table=$TABLE
# The shipped default level (info): every kernel operation is one line, as on a CPE.
sed -i 's/^log_level = debug/log_level = info/' "$NL_DIR/controller.conf" "$NL_DIR/cpe1.conf"
ip -n cpe1 rule add pref 100 lookup $TABLE
nl_start_controller
t_start=$(now); nl_start_agent 1
nl_poll 120 nl_inbound_present 1 || { nl_check_alive; nl_fail "no group SA on cpe1 after 120 s"; }
t_sa=$(($(now) - t_start))
nl_wait_group_ready 60 1
counts cpe1; S0=$NS_STATES O0=$NS_OUT
nl_log "group SA $NL_CUR up $(secs "$t_sa") s after the agent's start; cpe1 holds $S0 states, $O0 out policies (no routes)"
result "phase=start-empty sa=$(secs "$t_sa") states=$S0 out_policies=$O0"

# ---- (a) routes arrive while the agent runs
phase_add() {
  local phase=$1 from cpu0 drops0 drops cpu t0 t_ip
  from=$(log_line); cpu0=$(agent_cpu); drops0=$(route_socket_drops)
  t0=$(now)
  ip -n cpe1 -batch "$NL_DIR/routes.add" || nl_fail "ip -batch routes.add on cpe1"
  t_ip=$(($(now) - t0))
  wait_counts "$t0" $((S0 + WANT_STATES)) $((O0 + WANT_POLICIES))
  cpu=$(($(agent_cpu) - cpu0)); drops=$(route_socket_drops)
  counts cpe1
  check_exact "$phase" full
  log_summary "$phase" "$from"
  result "phase=$phase complete=$COMPLETE ip_batch=$(secs "$t_ip") states_at=$(secs "${T_STATES:-0}") policies_at=$(secs "${T_OUT:-0}") done=$(secs "$T_DONE")" \
    "agent_cpu=$(secs "$cpu") states=$((NS_STATES - S0)) out_policies=$((NS_OUT - O0)) missing_states=$MISSING_S extra_states=$EXTRA_S" \
    "missing_policies=$MISSING_P extra_policies=$EXTRA_P socket_drops=$drops0/$drops routes_in_table=$(ip -n cpe1 route show table $TABLE | wc -l) $LOGS"
}

# ---- (c) all routes withdrawn at once: HOW = batch (`ip -batch` of `route del`, one request per route, as a routing
# daemon withdraws) or flush (`ip route flush table 100`: the deletions go to the kernel many per sendmsg, so the
# notifications come as fast as the kernel makes them: a probe for lost events).
phase_del() {
  local phase=$1 how=$2 from cpu0 drops0 drops cpu t0 t_ip
  from=$(log_line); cpu0=$(agent_cpu); drops0=$(route_socket_drops)
  t0=$(now)
  if [ "$how" = flush ]; then
    ip -n cpe1 route flush table $TABLE || nl_fail "ip route flush table $TABLE on cpe1"
  else
    ip -n cpe1 -batch "$NL_DIR/routes.del" || nl_fail "ip -batch routes.del on cpe1"
  fi
  t_ip=$(($(now) - t0))
  wait_counts "$t0" "$S0" "$O0"
  cpu=$(($(agent_cpu) - cpu0)); drops=$(route_socket_drops)
  counts cpe1
  check_exact "$phase" empty
  log_summary "$phase" "$from"
  result "phase=$phase complete=$COMPLETE ip_batch=$(secs "$t_ip") states_at=$(secs "${T_STATES:-0}") policies_at=$(secs "${T_OUT:-0}") done=$(secs "$T_DONE")" \
    "agent_cpu=$(secs "$cpu") states_left=$((NS_STATES - S0)) out_policies_left=$((NS_OUT - O0)) extra_states=$EXTRA_S extra_policies=$EXTRA_P" \
    "socket_drops=$drops0/$drops routes_in_table=$(ip -n cpe1 route show table $TABLE | wc -l) $LOGS"
}

phase_add a
phase_del c batch
phase_add a2
phase_del c-flush flush

# ---- (b) the full table is there when the agent starts
nl_stop cpe1 TERM 120 || nl_log "agent did not stop within 120 s"
ip -n cpe1 xfrm state flush; ip -n cpe1 xfrm policy flush      # whatever a lost withdrawal left
ip -n cpe1 -batch "$NL_DIR/routes.add" || nl_fail "ip -batch routes.add on cpe1 (before the restart)"
: >> "$NL_DIR/cpe1.log"; from=$(log_line)
t0=$(now); nl_start_agent 1
wait_counts "$t0" $((S0 + WANT_STATES)) $((O0 + WANT_POLICIES)) sa
cpu=$(agent_cpu); drops=$(route_socket_drops)
counts cpe1
check_exact b full
log_summary b "$from"
result "phase=b complete=$COMPLETE sa=$(secs "${T_SA:-0}") route_policies_at=$(secs "${T_OUT_ROUTES:-0}") states_at=$(secs "${T_STATES:-0}") policies_at=$(secs "${T_OUT:-0}") done=$(secs "$T_DONE")" \
  "agent_cpu_total=$(secs "$cpu") states=$((NS_STATES - S0)) out_policies=$((NS_OUT - O0)) missing_states=$MISSING_S extra_states=$EXTRA_S" \
  "missing_policies=$MISSING_P extra_policies=$EXTRA_P socket_drops=$drops $LOGS"

# ---- stop with everything installed
t0=$(now)
nl_stop cpe1 TERM 120; rc=$?
t_stop=$(($(now) - t0))
counts cpe1
result "phase=stop exited=$([ $rc = 0 ] && echo yes || echo killed) exit=$NL_EXIT stop=$(secs "$t_stop") states_left=$NS_STATES out_policies_left=$NS_OUT"
ip -n cpe1 -batch "$NL_DIR/routes.del" >/dev/null 2>&1

baseline end
grep -v "control request 'status" "$NL_DIR/cpe1.log" | grep -v "kernel: policy \|kernel: state " | tail -n 15 | sed 's/^/[cpe1 log] /'
nl_pass
