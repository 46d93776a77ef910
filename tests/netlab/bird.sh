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
# The daemons' configs come from the examples as well: cpe-mpsa.conf -> $NL_DIR/cpeI.conf (same substitutions, plus
# the netlab's psk, control socket and log level) and controller-mpsa.conf's [controller] keys (listen,
# install_child_sa, esp_only) in nl_controller_conf's file, whose groups and members are the netlab's.

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

# ---------------------------------------------------------------- the daemons' configs, from the examples too
# nl_bgp_controller_conf: nl_controller_conf (group, members: NL_MEMBERS) with the [controller] keys the BGP setup
# needs taken from controller-mpsa.conf (listen, install_child_sa, esp_only = tcp/179) instead of the netlab's listen.
nl_bgp_controller_conf() {
  local src=$NL_BIRD_EXAMPLES/controller-mpsa.conf out=$NL_DIR/controller.conf keys
  [ -f "$src" ] || nl_fail "no example $src"
  nl_controller_conf
  keys=$(sed -n '/^\[controller\]/,/^\[/{/^\(listen\|install_child_sa\|esp_only\) *=/p}' "$src")
  printf '%s\n' "$keys" > "$NL_DIR/controller-bgp.keys"
  sed -i -e '/^listen = /d' -e "/^\[controller\]/r $NL_DIR/controller-bgp.keys" "$out" || nl_fail "sed on $out"
  nl_bird_expect "$out" "listen = ${NL_UL[4,ctl]}:500" "install_child_sa = yes" "esp_only = tcp/179"
}

# nl_bgp_agent_conf I [LINE...]: $NL_DIR/cpeI.conf from cpe-mpsa.conf (cpe1's): cpeI's identity, addresses and LAN
# prefixes, the netlab's inline psk instead of psk_file, the netlab's control socket and debug log, and the LINEs
# (e.g. "liveness_interval = 5s") in [agent]. Also cpeI's rules that make forwarding use table 100, as the README says.
nl_bgp_agent_conf() {
  local i=$1 src=$NL_BIRD_EXAMPLES/cpe-mpsa.conf out=$NL_DIR/cpe$1.conf ul=${NL_UL[4,$1]} extra line; shift
  [ -f "$src" ] || nl_fail "no example $src"
  extra="control_socket = $NL_DIR/cpe$i.sock\nlog_level = debug"
  for line in "$@"; do extra="$extra\n$line"; done
  sed -e "s|^identity = cpe1\.example\.net\$|identity = cpe$i.example.net|" -e "s|^psk_file = .*|psk = \"netlab-psk-$i\"|" \
      -e "s|192\.0\.2\.11\b|$ul|g" -e "s|10\.1\.1\.0/24|${NL_NET[4,$i]}|g" -e "s|fd00:1:1::/64|${NL_NET[6,$i]}|g" \
      -e "/^\[agent\]/a $extra" "$src" > "$out" || nl_fail "sed on $src"
  nl_bird_expect "$out" $'\nidentity = cpe'"$i.example.net" "psk = \"netlab-psk-$i\"" "local_address = $ul" "address = ${NL_UL[4,ctl]}" \
    "esp_only = tcp/179" "underlay = $ul" "subnets = ${NL_NET[4,$i]}, ${NL_NET[6,$i]}" "route_table = $NL_BGP_TABLE" \
    "peer_networks = 192.0.2.0/24" "ipv4_in_ipv6_next_hops = $NL_BGP_NAT64" "control_socket = $NL_DIR/cpe$i.sock"
  # (Once per CPE: a second call finds them there.)
  ip -n "cpe$i" rule add pref 100 lookup "$NL_BGP_TABLE" 2>/dev/null
  ip -n "cpe$i" -6 rule add pref 100 lookup "$NL_BGP_TABLE" 2>/dev/null
  [ "$(ip -n "cpe$i" -6 rule show | grep -c "^100:.*lookup $NL_BGP_TABLE")" = 1 ] || nl_fail "cpe$i: ip -6 rule pref 100 lookup $NL_BGP_TABLE"
}

# nl_bgp_guard_ready NODE: NODE's kernel (ctl or I) drops BGP with its IKE peers unless ESP carries it: the daemon's
# esp_only policies for TCP 179 are in place.
nl_bgp_guard_ready() { nl_ns "$1"; ip -n "$NL_NS" xfrm policy 2>/dev/null | grep -q "proto tcp .*port 179"; }

# nl_bgp_child_ready I: the CHILD_SA between cpeI and the controller is in cpeI's kernel (a state each way).
nl_bgp_child_ready() {
  [ "$(nl_xfrm_child_states "cpe$1" | awk -v c="${NL_UL[4,ctl]}" -v p="${NL_UL[4,$1]}" \
      '$4 == "transport" && (($1 == c && $2 == p) || ($1 == p && $2 == c)) { n[$1]++ } END { print length(n) }')" = 2 ]
}

# nl_bgp_start_all I...: the controller and agents I... at once, then each BIRD (the controller's first) as soon as its
# daemon's esp_only guard is in its kernel.
nl_bgp_start_all() {
  local i
  nl_start_controller
  for i in "$@"; do nl_start_agent "$i"; done
  nl_wait 60 "the controller's esp_only policies for BGP" nl_bgp_guard_ready ctl
  nl_bird_start ctl
  for i in "$@"; do nl_bgp_bird_when_safe "$i"; done
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
  nl_wait 60 "cpe$1's esp_only policies for BGP" nl_bgp_guard_ready "$1"
  nl_bird_start "$1"
}

# ---------------------------------------------------------------- traffic
# nl_bgp_pings FAMILY COUNT [I...]: every pair pings (nl_ping_pairs); lost echoes fail the scenario.
nl_bgp_pings() {
  nl_ping_pairs "$@"
  local which=${*:3}
  nl_log "IPv$1: every LAN (${which:-all}) reaches every other ($2 echoes each)"
}

# ---------------------------------------------------------------- the underlay, in one pass
# nl_bgp_underlay CAPTURE GROUP-SPI [I:IN:OUT...]: reads the IPv4 packets of the capture once (tcpdump in UML costs
# seconds a run) and classifies each: between two CPEs it must be ESP with GROUP-SPI; between CPE I and the controller
# IKE (UDP 500/4500), the controller's ICMP port unreachable for IKE (an agent that asked before it listened), or ESP
# with I's CHILD_SA SPIs IN (controller -> cpeI) and OUT (cpeI -> controller) when given; nothing else, and never
# TCP port 179. Sets NL_BAD (the first offending lines), NL_PAIRS[I,J] (ESP between cpeI and cpeJ), NL_UP[I] and
# NL_DOWN[I] (ESP with the CHILD_SA SPIs); returns 1 when something offended.
declare -A NL_PAIRS=() NL_UP=() NL_DOWN=()
nl_bgp_underlay() {
  local name=$1 group=$2 out k v; shift 2
  nl_capture_read "$name" ip > "$NL_DIR/$name.txt"
  out=$(awk -v ctl="${NL_UL[4,ctl]}" -v group="$group" -v childs="$*" '
    function host(a,   p) { sub(/:$/, "", a); split(a, p, "."); return p[1] "." p[2] "." p[3] "." p[4] }
    function cpe(h,   p) { split(h, p, "."); return (p[1] "." p[2] "." p[3] == "192.0.2" && h != ctl) ? p[4] - 10 : 0 }
    BEGIN { n = split(childs, c, " "); for (k = 1; k <= n; k++) { split(c[k], f, ":"); cin[f[1]] = f[2]; cout[f[1]] = f[3] } }
    $2 != "IP" { next }
    {
      s = host($3); d = host($5); spi = ""
      if (match($0, /ESP\(spi=0x[0-9a-f]+,/)) spi = substr($0, RSTART + 10, RLENGTH - 11)
      if ($3 ~ /\.179$/ || $5 ~ /\.179:$/) { bad("plain BGP"); next }
      i = cpe(s); j = cpe(d)
      if (i && j) { if (spi == group) { a = i < j ? i : j; b = i < j ? j : i; pairs[a "," b]++ } else bad("between CPEs"); next }
      if ((s == ctl && j) || (d == ctl && i)) {
        m = i ? i : j
        if ($3 ~ /\.(500|4500)$/ && $5 ~ /\.(500|4500):$/) next
        if (s == ctl && / ICMP [0-9.]+ udp port (500|4500) unreachable/) next
        if (spi != "" && (m in cin)) {
          if (i && spi == cout[m]) { up[m]++; next }
          if (j && spi == cin[m]) { down[m]++; next }
        }
        if (spi != "" && !(m in cin)) next
        bad("with the controller"); next
      }
      bad("elsewhere")
    }
    function bad(why) { if (nbad++ < 3) print "BAD", why ": " $0 }
    END {
      for (k in pairs) print "PAIR", k, pairs[k]
      for (k in up) print "UP", k, up[k]
      for (k in down) print "DOWN", k, down[k]
      print "NBAD", nbad + 0
    }' "$NL_DIR/$name.txt")
  NL_BAD= NL_PAIRS=() NL_UP=() NL_DOWN=()
  while read -r k v rest; do
    case $k in
      BAD) NL_BAD="$NL_BAD$v $rest | " ;;
      PAIR) NL_PAIRS[$v]=$rest ;;
      UP) NL_UP[$v]=$rest ;;
      DOWN) NL_DOWN[$v]=$rest ;;
      NBAD) [ "$v" = 0 ] || NL_BAD="$v offending packets: $NL_BAD" ;;
    esac
  done <<<"$out"
  [ -z "$NL_BAD" ]
}
