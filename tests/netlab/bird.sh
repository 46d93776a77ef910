# shellcheck shell=bash
# BIRD 2 helpers for the BGP scenarios (11-14), sourced after lib.sh. They run inside UML like lib.sh.
#
# Each node's BIRD configuration is made FROM THE SHIPPED EXAMPLES (packaging/examples/bgp/) with sed, so the
# examples themselves are what the scenarios test:
#   controller-bird.conf -> $NL_DIR/bird-ctl.conf: logging to stderr (bird-ctl.log) instead of syslog, and
#                           optionally shorter BGP timers (NL_BGP_HOLD / NL_BGP_KEEPALIVE)
#   cpe-bird.conf        -> $NL_DIR/bird-cpeI.conf: 192.0.2.11 -> cpeI's underlay address (router id, local
#                           address, the IPv6 next hop 64:ff9b::<it>), 10.1.1.0/24 and fd00:1:1::/64 -> cpeI's
#                           LAN prefixes, the same logging and timers
# The netlab's addresses are the examples' own (controller 192.0.2.1, members in 192.0.2.0/24, underlay
# interface eth0), so nothing else changes. Each substitution is checked to have happened: an example
# that no longer contains what the sed expects fails the scenario instead of testing something else.
#
# BIRD runs in the foreground (-f) as a child of the scenario, registered in NL_PIDS as bird-ctl / bird-cpeI:
# nl_poll notices its death, nl_check_alive names it (from $NL_DIR/bird-NODE.log), nl_cleanup stops it.
# birdc talks to $NL_DIR/bird-NODE.ctl from the UML root namespace (a Unix socket needs no netns exec).
#
# The agent configs for BGP: nl_bgp_agent_conf I (peers none, routes from table 100, the rules that make
# forwarding use table 100, ipv4_in_ipv6_next_hops and esp_only when the daemons know them).

NL_BIRD_EXAMPLES=${NL_BIRD_EXAMPLES:-$NL_REPO/packaging/examples/bgp}
NL_BGP_TABLE=100                       # the examples' kernel table, the agents' route_table
NL_BGP_NAT64=64:ff9b::/96              # the examples' IPv4-in-IPv6 next hops
NL_BGP_HOLD=${NL_BGP_HOLD:-}           # BGP hold time instead of the examples' 30 s (empty: the examples')
NL_BGP_KEEPALIVE=${NL_BGP_KEEPALIVE:-} # keepalive instead of the examples' 10 s (default: a third of NL_BGP_HOLD)

# ---------------------------------------------------------------- configuration from the examples
# (One sed per file, and the checks in bash: in UML every process costs 0.1-0.5 s.)

# nl_bird_read FILE: NL_TEXT = FILE's content (no process started).
nl_bird_read() { NL_TEXT=; IFS= read -r -d '' NL_TEXT < "$1"; }

# nl_bird_expect FILE TEXT...: FILE (made from an example) contains each TEXT, else the scenario fails: the
# example no longer holds what the substitutions expect.
nl_bird_expect() {
  local f=$1 s; shift
  nl_bird_read "$f"
  for s in "$@"; do
    [[ $NL_TEXT == *"$s"* ]] || nl_fail "$(basename "$f") (made from the example with sed) lacks '$s': did the example change?"
  done
}

# The substitutions every node's config gets: logging to stderr (the node's log file), shorter timers if asked.
nl_bird_common() {
  NL_SEDS=(-e 's|^log syslog all;|log stderr all;|')
  NL_EXPECT=($'\nlog stderr all;')
  if [ -n "$NL_BGP_HOLD" ]; then
    local k=${NL_BGP_KEEPALIVE:-$((NL_BGP_HOLD / 3))}
    NL_SEDS+=(-e "s|hold time 30;|hold time $NL_BGP_HOLD;|" -e "s|keepalive time 10;|keepalive time $k;|")
    NL_EXPECT+=("hold time $NL_BGP_HOLD;" "keepalive time $k;")
  fi
}

# nl_bird_conf_ctl: $NL_DIR/bird-ctl.conf from controller-bird.conf (its addresses are the netlab's already).
nl_bird_conf_ctl() {
  local src=$NL_BIRD_EXAMPLES/controller-bird.conf out=$NL_DIR/bird-ctl.conf
  [ -f "$src" ] || nl_fail "no example $src"
  nl_bird_common
  sed "${NL_SEDS[@]}" "$src" > "$out" || nl_fail "sed on $src"
  nl_bird_expect "$out" "${NL_EXPECT[@]}" "router id ${NL_UL[4,ctl]};" "local ${NL_UL[4,ctl]} as" "neighbor range 192.0.2.0/24 internal"
}

# nl_bird_conf_cpe I: $NL_DIR/bird-cpeI.conf from cpe-bird.conf (the example is cpe1's: 192.0.2.11, 10.1.1.0/24,
# fd00:1:1::/64).
nl_bird_conf_cpe() {
  local i=$1 src=$NL_BIRD_EXAMPLES/cpe-bird.conf out=$NL_DIR/bird-cpe$1.conf ul=${NL_UL[4,$1]}
  [ -f "$src" ] || nl_fail "no example $src"
  nl_bird_common
  # \b: the address ends there (192.0.2.11 is not 192.0.2.110). Dots escaped.
  NL_SEDS+=(-e "s|192\.0\.2\.11\b|$ul|g" -e "s|10\.1\.1\.0/24|${NL_NET[4,$i]}|g" -e "s|fd00:1:1::/64|${NL_NET[6,$i]}|g")
  sed "${NL_SEDS[@]}" "$src" > "$out" || nl_fail "sed on $src"
  nl_bird_expect "$out" "${NL_EXPECT[@]}" "router id $ul;" "local $ul as" "neighbor ${NL_UL[4,ctl]} internal" \
    "next hop address 64:ff9b::$ul;" "route ${NL_NET[4,$i]} unreachable" "route ${NL_NET[6,$i]} unreachable" \
    'ifname = "eth0";' "kernel table $NL_BGP_TABLE;"
  if [ "$i" != 1 ]; then
    [[ $NL_TEXT != *192.0.2.11[^0-9]* && $NL_TEXT != *10.1.1.0/24* && $NL_TEXT != *fd00:1:1::/64* ]] ||
      nl_fail "bird-cpe$i.conf still names cpe1's addresses after the substitutions"
  fi
}

# ---------------------------------------------------------------- processes
# nl_bird_start NODE (ctl or I): BIRD in the node's namespace with $NL_DIR/bird-NODE.conf (made unless it exists).
nl_bird_start() {
  nl_ns "$1"
  local name=bird-$NL_NS
  if [ ! -f "$NL_DIR/$name.conf" ]; then
    if [ "$1" = ctl ]; then nl_bird_conf_ctl; else nl_bird_conf_cpe "$1"; fi
  fi
  command -v bird >/dev/null || nl_fail "bird is not installed (apt-get install bird2)"
  ip netns exec "$NL_NS" bird -f -c "$NL_DIR/$name.conf" -s "$NL_DIR/$name.ctl" -P "$NL_DIR/$name.pid" \
    >> "$NL_DIR/$name.log" 2>&1 &
  NL_PIDS[$name]=$!
  nl_log "BIRD on $NL_NS started (pid ${NL_PIDS[$name]})"
}

# nl_birdc NODE COMMAND...: birdc on NODE's control socket (ctl or I).
nl_birdc() {
  nl_ns "$1"; shift
  birdc -s "$NL_DIR/bird-$NL_NS.ctl" "$@"
}

# nl_bird_stop NODE [SIGNAL]: stops BIRD on NODE (default TERM; KILL leaves its routes in the kernel, as a crash).
nl_bird_stop() {
  nl_ns "$1"
  nl_stop "bird-$NL_NS" "${2:-TERM}" 10
}

# nl_bgp_established NODE [N]: NODE's BIRD has at least N (default 1) BGP sessions Established.
nl_bgp_established() {
  local n
  n=$(nl_birdc "$1" show protocols 2>/dev/null | awk '$2 == "BGP" && / Established/ { c++ } END { print c + 0 }')
  [ "$n" -ge "${2:-1}" ]
}

# ---------------------------------------------------------------- the routes BIRD installs
# NL_NH6[I]: the IPv6 next hop cpeI announces (64:ff9b::<its IPv4 underlay address>), as ip prints it.
declare -A NL_NH6=()
for ((_i = 1; _i <= 9; _i++)); do
  IFS=. read -r _a _b _c _d <<<"${NL_UL[4,$_i]}"
  printf -v "NL_NH6[$_i]" '64:ff9b::%x:%x' $((_a * 256 + _b)) $((_c * 256 + _d))
done
unset _i _a _b _c _d

# nl_bgp_route FAMILY I J: cpeI's table 100 holds lanJ's prefix of FAMILY via cpeJ (IPv4: its underlay address;
# IPv6: 64:ff9b::<it>), onlink on eth0, installed by BIRD.
nl_bgp_route() {
  local f=$1 i=$2 j=$3 gw
  if [ "$f" = 4 ]; then gw=${NL_UL[4,$j]}; else gw=${NL_NH6[$j]}; fi
  ip -n "cpe$i" "-$f" route show table "$NL_BGP_TABLE" "${NL_NET[$f,$j]}" 2>/dev/null |
    grep -q "via $gw dev eth0 proto bird.*onlink"
}

# nl_bgp_no_route FAMILY I J: cpeI's table 100 has no route to lanJ's prefix of FAMILY.
nl_bgp_no_route() { [ -z "$(ip -n "cpe$2" "-$1" route show table "$NL_BGP_TABLE" "${NL_NET[$1,$3]}" 2>/dev/null)" ]; }

# nl_bgp_routes_all FAMILIES [I...]: every listed CPE (default all) has the routes of FAMILIES ("4", "6", "4 6")
# to every other listed CPE's LAN, as nl_bgp_route describes them (one `ip route show` per CPE and family).
nl_bgp_routes_all() {
  local fams=$1 i j f gw table; shift
  local cpes=("$@")
  [ $# -gt 0 ] || cpes=($(seq 1 "$NL_CPES"))
  for i in "${cpes[@]}"; do
    for f in $fams; do
      ip -n "cpe$i" "-$f" route show table "$NL_BGP_TABLE" > "$NL_DIR/routes.tmp" 2>/dev/null
      nl_bird_read "$NL_DIR/routes.tmp"; table=$'\n'$NL_TEXT
      for j in "${cpes[@]}"; do
        [ "$i" = "$j" ] && continue
        if [ "$f" = 4 ]; then gw=${NL_UL[4,$j]}; else gw=${NL_NH6[$j]}; fi
        [[ $table == *$'\n'"${NL_NET[$f,$j]} via $gw dev eth0 proto bird "*onlink* ]] || return 1
      done
    done
  done
}

# nl_bgp_reach FAMILY "I..." "J...": every lanI and every lanJ (I != J) reach each other both ways (one echo each,
# all at once).
nl_bgp_reach() {
  local f=$1 i j pids=() rc=0 p
  for i in $2; do
    for j in $3; do
      [ "$i" = "$j" ] && continue
      nl_ping_any "lan$i" "${NL_LAN[$f,$j]}" & pids+=($!)
      nl_ping_any "lan$j" "${NL_LAN[$f,$i]}" & pids+=($!)
    done
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}

# nl_bgp_table I: cpeI's table 100 (both families), one line per route, for messages.
nl_bgp_table() { { ip -n "cpe$1" -4 route show table "$NL_BGP_TABLE"; ip -n "cpe$1" -6 route show table "$NL_BGP_TABLE"; } 2>&1 | tr '\n' ';'; }

# ---------------------------------------------------------------- the agents' side
# What the daemons built here accept (features being added): set by nl_bgp_features.
NL_BGP_V6NH=       # yes: the agent knows [dataplane] ipv4_in_ipv6_next_hops
NL_BGP_GUARD=      # yes: both daemons know esp_only in [controller]

# nl_bgp_features: asks the built daemons (check-config, a .NET start each) whether they know
# ipv4_in_ipv6_next_hops and esp_only; NETLAB_BGP_FEATURES="v6nh guard" (or "none") skips the probe.
nl_bgp_features() {
  local a=$NL_DIR/probe-agent.conf c=$NL_DIR/probe-controller.conf
  if [ -n "${NETLAB_BGP_FEATURES:-}" ]; then
    [[ " $NETLAB_BGP_FEATURES " == *" v6nh "* ]] && NL_BGP_V6NH=yes
    [[ " $NETLAB_BGP_FEATURES " == *" guard "* ]] && NL_BGP_GUARD=yes
  else
    nl_require_daemons
    # One check-config each (they list every unknown key), both at once.
    nl_agent_conf 1 peers=none route_table=$NL_BGP_TABLE && mv "$NL_DIR/cpe1.conf" "$a"
    sed -i -e "/^\[dataplane\]/a ipv4_in_ipv6_next_hops = $NL_BGP_NAT64" -e "/^\[controller\]/a esp_only = tcp/179" "$a"
    nl_controller_conf && mv "$NL_DIR/controller.conf" "$c"
    sed -i "/^\[controller\]/a esp_only = tcp/179" "$c"
    "$MPSA_AGENT" check-config --config "$a" > "$a.out" 2>&1 &
    "$MPSA_CONTROLLER" check-config --config "$c" > "$c.out" 2>&1
    wait $!
    nl_bird_read "$a.out"; local ao=$NL_TEXT
    nl_bird_read "$c.out"; local co=$NL_TEXT
    [[ $ao == *"unknown key 'ipv4_in_ipv6_next_hops'"* ]] || NL_BGP_V6NH=yes
    [[ $ao == *"unknown key 'esp_only'"* || $co == *"unknown key 'esp_only'"* ]] || NL_BGP_GUARD=yes
  fi
  nl_log "daemons: ipv4_in_ipv6_next_hops ${NL_BGP_V6NH:-unknown (IPv6 over BGP will fail)}, esp_only ${NL_BGP_GUARD:-unknown (no guard for BGP)}"
}

# nl_bgp_controller_conf: nl_controller_conf plus esp_only = tcp/179 (when the controller knows it).
nl_bgp_controller_conf() {
  nl_controller_conf
  [ "$NL_BGP_GUARD" = yes ] && sed -i "/^\[controller\]/a esp_only = tcp/179" "$NL_DIR/controller.conf"
  return 0
}

# nl_bgp_agent_conf I [nl_agent_conf OPTION...]: agent I following table 100 (no static peers, tunnel mode, IPv4 and IPv6 subnets), the IPv6
# next hops 64:ff9b::/96 and esp_only = tcp/179 when known, and cpeI's rules that make forwarding use table 100.
nl_bgp_agent_conf() {
  local i=$1 seds=(); shift
  nl_agent_conf "$i" peers=none route_table=$NL_BGP_TABLE "$@"
  [ "$NL_BGP_V6NH" = yes ] && seds+=(-e "/^\[dataplane\]/a ipv4_in_ipv6_next_hops = $NL_BGP_NAT64")
  [ "$NL_BGP_GUARD" = yes ] && seds+=(-e "/^\[controller\]/a esp_only = tcp/179")
  [ ${#seds[@]} -eq 0 ] || sed -i "${seds[@]}" "$NL_DIR/cpe$i.conf"
  # Forwarding uses table 100 (both families), as cpe-bird.conf's comment says.
  # (Once per CPE: a second call finds them there.)
  ip -n "cpe$i" rule add pref 100 lookup "$NL_BGP_TABLE" 2>/dev/null
  ip -n "cpe$i" -6 rule add pref 100 lookup "$NL_BGP_TABLE" 2>/dev/null
  [ "$(ip -n "cpe$i" -6 rule show | grep -c "^100:.*lookup $NL_BGP_TABLE")" = 1 ] || nl_fail "cpe$i: ip -6 rule pref 100 lookup $NL_BGP_TABLE"
}

# nl_bgp_guard_ready I: cpeI's kernel drops BGP with the controller unless ESP carries it: the agent's esp_only
# policies for TCP 179 are in place.
nl_bgp_guard_ready() { ip -n "cpe$1" xfrm policy 2>/dev/null | grep -q "proto tcp .*port 179"; }

# nl_bgp_child_ready I: the CHILD_SA between cpeI and the controller is in cpeI's kernel (a state each way).
nl_bgp_child_ready() {
  [ "$(nl_xfrm_child_states "cpe$1" | awk -v c="${NL_UL[4,ctl]}" -v p="${NL_UL[4,$1]}" \
      '$4 == "transport" && (($1 == c && $2 == p) || ($1 == p && $2 == c)) { n[$1]++ } END { print length(n) }')" = 2 ]
}

# nl_bgp_start_cpes I...: the agents (at once), then BIRD on each as nl_bgp_start_cpe does.
nl_bgp_start_cpes() {
  local i
  for i in "$@"; do nl_start_agent "$i"; done
  for i in "$@"; do nl_bgp_bird_when_safe "$i"; done
}

# nl_bgp_start_cpe I: agent I, then BIRD on cpeI as soon as BGP cannot leave in plain text: with esp_only, once
# the agent's guard is in the kernel (before the CHILD_SA: BIRD's first attempts are dropped by the kernel);
# without it, once the CHILD_SA is up (else the first SYNs would cross the underlay in plain text).
nl_bgp_start_cpe() {
  nl_start_agent "$1"
  nl_bgp_bird_when_safe "$1"
}

nl_bgp_bird_when_safe() {
  local i=$1
  if [ "$NL_BGP_GUARD" = yes ]; then
    nl_wait 60 "cpe$i's esp_only policies for BGP" nl_bgp_guard_ready "$i"
  else
    nl_wait 90 "cpe$i's CHILD_SA with the controller" nl_bgp_child_ready "$i"
  fi
  nl_bird_start "$i"
}

# ---------------------------------------------------------------- checks that wait for the daemons' features
# IPv6 over BGP needs the agent's ipv4_in_ipv6_next_hops and the plain-text guard needs esp_only: their checks
# are recorded (nl_bgp_defer WHY) rather than ending the scenario at once, so the rest still runs; nl_bgp_pass
# then fails the scenario naming all of them.
NL_BGP_DEFERRED=()
nl_bgp_defer() { nl_log "FAILED (reported at the end): $*"; NL_BGP_DEFERRED+=("$*"); }
nl_bgp_pass() {
  local msg
  if [ ${#NL_BGP_DEFERRED[@]} -gt 0 ]; then
    printf -v msg '%s; ' "${NL_BGP_DEFERRED[@]}"
    nl_fail "${msg%; }"
  fi
  nl_pass
}

# nl_bgp_ping_pairs FAMILY COUNT [I...]: nl_ping_pairs without failing: returns 1 with NL_BAD naming the pairs
# that lost echoes.
nl_bgp_ping_pairs() {
  local fam=$1 count=$2; shift 2
  local cpes=("$@") i j pids=()
  [ $# -gt 0 ] || cpes=($(seq 1 "$NL_CPES"))
  for i in "${cpes[@]}"; do
    for j in "${cpes[@]}"; do
      [ "$i" = "$j" ] && continue
      ( nl_ping "lan$i" "${NL_LAN[$fam,$j]}" "$count" 0.1 || { echo "lan$i->lan$j: $NL_RX/$NL_TX"; exit 1; } ) \
        > "$NL_DIR/bping.$i.$j" &
      pids+=($!)
    done
  done
  for i in "${pids[@]}"; do wait "$i"; done
  NL_BAD=$(cat "$NL_DIR"/bping.*.* 2>/dev/null | tr '\n' ' ')
  rm -f "$NL_DIR"/bping.*.*
  [ -z "$NL_BAD" ]
}

# nl_bgp_pings FAMILY COUNT [I...]: every pair pings (nl_ping_pairs); lost echoes fail the scenario. IPv6 while the
# agent does not know ipv4_in_ipv6_next_hops: one echo lan1 <-> lan2, a loss deferred (nl_bgp_defer).
nl_bgp_pings() {
  local fam=$1
  if [ "$fam" = 6 ] && [ "$NL_BGP_V6NH" != yes ]; then
    # Expected to fail: one echo between two LANs says so without minutes of lost pings.
    nl_bgp_ping_pairs 6 1 1 2 && { nl_log "IPv6: lan1 <-> lan2 answered although the agent does not know ipv4_in_ipv6_next_hops"; return 0; }
    nl_bgp_defer "IPv6 pings lost echoes (the agent does not know ipv4_in_ipv6_next_hops): $NL_BAD"
    return 0
  fi
  if nl_bgp_ping_pairs "$@"; then
    local which=${*:3}
    nl_log "IPv$fam: every LAN (${which:-all}) reaches every other ($2 echoes each)"
    return 0
  fi
  nl_fail "IPv$fam overlay pings lost echoes (received/sent): $NL_BAD"
}
