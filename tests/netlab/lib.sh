# shellcheck shell=bash
# Netlab helpers, sourced by the scenario scripts. They run INSIDE User-Mode Linux (uml-run.sh), as root,
# in a kernel of their own: namespaces, veths and XFRM states made here never reach the host.
#
# Topology (nl_topology N):
#
#   ns ul:   bridge br-underlay  (192.0.2.0/24, 2001:db8::/64; tcpdump on it sees the whole underlay)
#              |        |        |        |
#   ns ctl   eth0 192.0.2.1 / 2001:db8::1                   the controller
#   ns cpeI  eth0 192.0.2.(10+I) / 2001:db8::(10+I)         agent I; lan0 10.1.I.1/24, fd00:1:I::1/64
#   ns lanI  eth0 10.1.I.2/24, fd00:1:I::2/64, default routes via cpeI: a host of the overlay subnet behind cpeI
#
# Overlay traffic is pinged from lanI to lanJ, so the CPEs forward it (XFRM policies out and fwd).
# A scenario: source this file, nl_init, build, assert, end with nl_pass or nl_fail "WHY".
#
# Cost model: in UML every process start costs 0.1-0.5 s (ptrace), and so does every $(...) in bash;
# `ip netns exec` (which remounts /sys) costs about 0.8 s, `nsenter --net=/run/netns/NS` about 0.4 s.
# Hot paths therefore use the address arrays below, `ip -batch`, and the kernel (cheap `ip` calls)
# rather than the daemons' status commands (a .NET start each) when polling.

set -uo pipefail

NL_NAME=${NL_NAME:-$(basename "${0%.sh}")}
NL_DIR=${NL_DIR:-/tmp/netlab}           # configs, logs, sockets, captures (tmpfs inside UML)
NL_REPO=${NETLAB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# The daemons: from this repository, or from the checkout NETLAB_BUILD_ROOT names (uml-run.sh mounts it at
# /run/netlab/build): what run.sh publishes (publish-daemons.sh: the NativeAOT agent, the ReadyToRun controller), else
# the Release build.
NL_BUILD=$NL_REPO
[ -d /run/netlab/build/agent ] && NL_BUILD=/run/netlab/build
if [ -x "$NL_BUILD/out/netlab/agent/mpsa-agent" ] && [ -x "$NL_BUILD/out/netlab/controller/mpsa-controller" ]; then
  MPSA_AGENT=${MPSA_AGENT:-$NL_BUILD/out/netlab/agent/mpsa-agent}
  MPSA_CONTROLLER=${MPSA_CONTROLLER:-$NL_BUILD/out/netlab/controller/mpsa-controller}
fi
# An agent that finds libssl (NAT detection hashes with SHA-1): the framework-dependent Release build. The published
# agent is linked against musl, as on OpenWrt, and cannot load this host's glibc libssl.
MPSA_AGENT_LIBSSL=$NL_BUILD/agent/Mpsa.Agent/bin/Release/net10.0/mpsa-agent
MPSA_AGENT=${MPSA_AGENT:-$MPSA_AGENT_LIBSSL}
MPSA_CONTROLLER=${MPSA_CONTROLLER:-$NL_BUILD/controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller}
NL_CPES=0
NL_VERDICT=
declare -A NL_PIDS=()       # daemon name (ctl, cpe1, ...) -> pid
declare -A NL_CAPTURES=()   # capture name -> tcpdump pid
NL_NETNS=()                 # namespaces this scenario made

# Group defaults (a scenario may change them before nl_controller_conf).
NL_GROUP=office
NL_ESP=aes256-sha256
NL_LIFETIME=${NL_LIFETIME:-10m}
NL_REKEY_MARGIN=${NL_REKEY_MARGIN:-2m}
NL_ROLL1=${NL_ROLL1:-3s}
NL_ROLL2=${NL_ROLL2:-6s}

# ---------------------------------------------------------------- addresses
# NL_UL[FAMILY,NODE]  underlay address of ctl or CPE I      (FAMILY 4 or 6)
# NL_NET[FAMILY,I]    overlay subnet behind CPE I
# NL_GW[FAMILY,I]     CPE I's address on its LAN
# NL_LAN[FAMILY,I]    the host in lanI
declare -A NL_UL=([4,ctl]=192.0.2.1 [6,ctl]=2001:db8::1) NL_NET=() NL_GW=() NL_LAN=()
for ((_i = 1; _i <= 9; _i++)); do
  NL_UL[4,$_i]=192.0.2.$((10 + _i));  NL_UL[6,$_i]=2001:db8::$((10 + _i))
  NL_NET[4,$_i]=10.1.$_i.0/24;        NL_NET[6,$_i]=fd00:1:$_i::/64
  NL_GW[4,$_i]=10.1.$_i.1;            NL_GW[6,$_i]=fd00:1:$_i::1
  NL_LAN[4,$_i]=10.1.$_i.2;           NL_LAN[6,$_i]=fd00:1:$_i::2
done
unset _i

# ---------------------------------------------------------------- time, output and verdict
# nl_uptime: sets NL_CS to the uptime in centiseconds (no process started).
nl_uptime() { local up _; read -r up _ < /proc/uptime; NL_CS=$((10#${up/./})); }
nl_uptime; NL_T0=$NL_CS
nl_log() {
  nl_uptime
  local d=$((NL_CS - NL_T0))
  printf '[%d.%01ds] %s\n' $((d / 100)) $((d % 100 / 10)) "$*"
}

# Prints what helps to see why a scenario failed: daemon logs, the kernel's XFRM view per CPE.
nl_diagnostics() {
  local n f
  echo "---- diagnostics ($NL_NAME)"
  for f in "$NL_DIR"/*.log; do
    [ -f "$f" ] || continue
    # Status polls would drown the rest: left out.
    echo "-- $f (start, end)"; grep -v "control request 'status" "$f" | sed -n '1,30p'; echo "..."; grep -v "control request 'status" "$f" | tail -n 25
  done
  for ((n = 1; n <= NL_CPES; n++)); do
    echo "-- cpe$n: ip -s xfrm state (keys elided) / ip xfrm policy"
    ip -n "cpe$n" -s xfrm state 2>&1 | sed 's/0x[0-9a-f]\{32,\}/KEY/' | head -n 80
    ip -n "cpe$n" xfrm policy 2>&1 | head -n 60
  done
  echo "----"
}

nl_fail() {
  [ -n "$NL_VERDICT" ] && exit 1
  NL_VERDICT=fail
  nl_log "FAIL: $*"
  nl_diagnostics
  nl_hold "FAIL: $*"
  nl_cleanup
  echo "scenario $NL_NAME: FAIL $*"
  exit 1
}

nl_pass() {
  NL_VERDICT=pass
  nl_hold pass
  nl_cleanup
  echo "scenario $NL_NAME: pass"
  exit 0
}

nl_on_exit() {
  local rc=$?
  [ -n "$NL_VERDICT" ] && return
  NL_VERDICT=fail
  nl_diagnostics
  nl_cleanup
  echo "scenario $NL_NAME: FAIL script ended without a verdict (exit $rc)"
  exit 1
}

# nl_hold VERDICT: with NETLAB_SHELL set (uml-run.sh from a terminal), a shell on the UML console
# before the cleanup, with the topology and the daemons still up.
nl_hold() {
  [ -n "${NETLAB_SHELL:-}" ] && [ -c /dev/console ] || return 0
  {
    echo "netlab: $NL_NAME: $1"
    echo "netlab: shell with the topology up (ip -n cpe1 -s xfrm state; ip netns exec lan1 ping 10.1.2.2;"
    echo "        logs and configs in $NL_DIR); exit to clean up and power off"
  } > /dev/console
  bash -i < /dev/console > /dev/console 2>&1 || true
}

# Starts a scenario: checks where it runs and the tools, makes the work dir, sets the exit trap.
nl_init() {
  # Inside the netlab UML only: scenarios create and delete namespaces and XFRM state freely.
  if ! grep -q " /run/netlab/host hostfs " /proc/mounts; then
    NL_VERDICT=fail
    echo "scenario $NL_NAME: FAIL not inside the netlab UML (run it with tests/netlab/run.sh or uml-run.sh)"
    exit 1
  fi
  trap nl_on_exit EXIT
  trap 'nl_fail "interrupted"' INT TERM
  local t
  for t in ip ping tcpdump jq; do
    command -v "$t" >/dev/null || nl_fail "tool '$t' is missing (install it on the host)"
  done
  rm -rf "$NL_DIR"; mkdir -p "$NL_DIR"
  nl_log "scenario $NL_NAME starting on $(uname -r)"
}

# Checks that the daemons are built (a scenario that needs them calls this first).
nl_require_daemons() {
  [ -x "$MPSA_AGENT" ] || nl_fail "no agent binary at $MPSA_AGENT (dotnet build CpeAgent.sln -c Release)"
  [ -x "$MPSA_CONTROLLER" ] || nl_fail "no controller binary at $MPSA_CONTROLLER (dotnet build CpeAgent.sln -c Release)"
  command -v dotnet >/dev/null || nl_fail "dotnet is not on PATH inside UML"
}

# ---------------------------------------------------------------- waiting
# nl_poll SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds (0) or SECONDS pass (1).
# Returns 2 at once when one of the started daemons has died (nothing will change any more).
nl_poll() {
  local timeout=$1; shift
  nl_uptime
  local deadline=$((NL_CS + timeout * 100)) n
  while true; do
    "$@" >/dev/null 2>&1 && return 0
    if [ "${NL_POLL_DEATHS:-yes}" = yes ]; then
      for n in "${!NL_PIDS[@]}"; do nl_alive "$n" || return 2; done
    fi
    nl_uptime
    [ "$NL_CS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# nl_wait SECONDS WHAT COMMAND...: nl_poll, failing the scenario: "timeout ... waiting for WHAT", or
# the daemon that died.
nl_wait() {
  local timeout=$1 what=$2; shift 2
  nl_poll "$timeout" "$@" && return 0
  nl_check_alive
  nl_fail "timeout after ${timeout}s waiting for $what"
}

# ---------------------------------------------------------------- topology
nl_ns() { if [ "$1" = ctl ]; then NL_NS=ctl; else NL_NS=cpe$1; fi; }

# nl_topology N: underlay bridge, controller, N CPEs each with a LAN namespace behind it.
# NL_UNDERLAY4=no / NL_UNDERLAY6=no leave that family off the underlay; NL_CTL4=no, off the controller.
nl_topology() {
  NL_CPES=${1:-3}
  local n nodes=(ctl)
  for ((n = 1; n <= NL_CPES; n++)); do nodes+=("$n"); done
  # New namespaces inherit the devconf of the UML root namespace: no DAD (addresses usable at once),
  # forwarding on (the CPEs route between LAN and underlay; harmless elsewhere).
  echo 1 > /proc/sys/net/core/devconf_inherit_init_net
  echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad
  echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad
  echo 1 > /proc/sys/net/ipv4/ip_forward
  echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
  NL_NETNS+=(ul)
  for n in "${nodes[@]}"; do nl_ns "$n"; NL_NETNS+=("$NL_NS"); done
  for ((n = 1; n <= NL_CPES; n++)); do NL_NETNS+=("lan$n"); done
  {
    for n in "${NL_NETNS[@]}"; do echo "netns add $n"; done
    for n in "${nodes[@]}"; do
      nl_ns "$n"; echo "link add ul-$NL_NS netns ul type veth peer name eth0 netns $NL_NS"
    done
    for ((n = 1; n <= NL_CPES; n++)); do
      echo "link add lan0 netns cpe$n type veth peer name eth0 netns lan$n"
    done
  } | ip -batch - || nl_fail "namespaces and veth pairs"
  {
    echo "link set lo up"
    # No STP, no forwarding delay: the bridge forwards at once.
    echo "link add br-underlay type bridge stp_state 0 forward_delay 0"
    echo "link set br-underlay up"
    for n in "${nodes[@]}"; do nl_ns "$n"; echo "link set ul-$NL_NS master br-underlay up"; done
  } | ip -n ul -batch - || nl_fail "underlay bridge"
  for n in "${nodes[@]}"; do
    nl_ns "$n"
    {
      echo "link set lo up"
      echo "link set eth0 up"
      [ "${NL_UNDERLAY4:-yes}" = yes ] && { [ "$n" != ctl ] || [ "${NL_CTL4:-yes}" = yes ]; } &&
        echo "addr add ${NL_UL[4,$n]}/24 dev eth0"
      [ "${NL_UNDERLAY6:-yes}" = yes ] && echo "addr add ${NL_UL[6,$n]}/64 dev eth0 nodad"
      if [ "$n" != ctl ]; then
        echo "link set lan0 up"
        echo "addr add ${NL_GW[4,$n]}/24 dev lan0"
        echo "addr add ${NL_GW[6,$n]}/64 dev lan0 nodad"
      fi
    } | ip -n "$NL_NS" -batch - || nl_fail "addresses of $NL_NS"
  done
  for ((n = 1; n <= NL_CPES; n++)); do
    {
      echo "link set lo up"
      echo "link set eth0 up"
      echo "addr add ${NL_LAN[4,$n]}/24 dev eth0"
      echo "addr add ${NL_LAN[6,$n]}/64 dev eth0 nodad"
      echo "route add default via ${NL_GW[4,$n]}"
      echo "route add ::/0 via ${NL_GW[6,$n]}"
    } | ip -n "lan$n" -batch - || nl_fail "addresses of lan$n"
  done
  nl_log "topology: ul(br-underlay) ctl $(for ((n = 1; n <= NL_CPES; n++)); do printf 'cpe%d/lan%d ' "$n" "$n"; done)"
}

# nl_overlay_routes [TABLE]: in every CPE, a route to every other CPE's overlay subnets out of eth0, as
# BGP would install them: via the peer's underlay address of the same family when the underlay has that
# family, else straight out of eth0 (the XFRM policy picks the tunnel; the route only has to exist).
nl_overlay_routes() {
  local table=${1:-main} i j
  for ((i = 1; i <= NL_CPES; i++)); do
    for ((j = 1; j <= NL_CPES; j++)); do
      [ "$i" = "$j" ] || nl_route_cmds replace "$j" "$table"
    done | ip -n "cpe$i" -batch - || nl_fail "overlay routes on cpe$i"
  done
}

# nl_route_add I J [TABLE] / nl_route_del I J [TABLE]: cpeI's routes to lanJ's subnets.
nl_route_add() { nl_route_cmds replace "$2" "${3:-main}" | ip -n "cpe$1" -batch -; }
nl_route_del() { nl_route_cmds del "$2" "${3:-main}" | ip -n "cpe$1" -batch -; }

nl_route_cmds() {
  local verb=$1 j=$2 table=$3 f
  for f in 4 6; do
    if [ "$( [ "$f" = 4 ] && echo "${NL_UNDERLAY4:-yes}" || echo "${NL_UNDERLAY6:-yes}")" = yes ]; then
      echo "route $verb ${NL_NET[$f,$j]} via ${NL_UL[$f,$j]} dev eth0 table $table"
    else
      echo "route $verb ${NL_NET[$f,$j]} dev eth0 table $table"
    fi
  done
}

# ---------------------------------------------------------------- traffic
# nl_ping FROM_NS DST COUNT [INTERVAL] [DEADLINE]: sets NL_TX and NL_RX (sent, received); returns 0
# when every echo got its reply. Never fails the scenario itself.
nl_ping() {
  local ns=$1 dst=$2 count=$3 interval=${4:-0.1} deadline=${5:-} out
  [ -n "$deadline" ] || deadline=$(awk -v c="$count" -v i="$interval" 'BEGIN { printf "%d", c * i * 1.5 + 5 }')
  out=$(nsenter --net="/run/netns/$ns" ping -n -q -c "$count" -i "$interval" -w "$deadline" "$dst" 2>&1)
  NL_TX=0 NL_RX=0
  [[ $out =~ ([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]] && NL_TX=${BASH_REMATCH[1]} NL_RX=${BASH_REMATCH[2]}
  [ "$NL_TX" -gt 0 ] && [ "$NL_TX" = "$NL_RX" ]
}

# nl_ping_any FROM_NS DST: one echo gets its reply within a second (for waiting on a path).
nl_ping_any() { nsenter --net="/run/netns/$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }

# nl_ping_pairs FAMILY COUNT [I...]: every lanI pings every other lanJ of the list (default all CPEs),
# all pairs at once; fails the scenario naming the pairs that lost echoes.
nl_ping_pairs() {
  nl_try_ping_pairs "$@" || nl_fail "IPv$1 overlay pings lost echoes (received/sent): $NL_BAD"
}

# nl_try_ping_pairs FAMILY COUNT [I...]: the same without failing: returns 1 with NL_BAD naming the pairs that
# lost echoes.
nl_try_ping_pairs() {
  local fam=$1 count=$2; shift 2
  local cpes=("$@") i j pids=()
  [ $# -gt 0 ] || cpes=($(seq 1 "$NL_CPES"))
  for i in "${cpes[@]}"; do
    for j in "${cpes[@]}"; do
      [ "$i" = "$j" ] && continue
      ( nl_ping "lan$i" "${NL_LAN[$fam,$j]}" "$count" 0.1 || { echo "lan$i->lan$j: $NL_RX/$NL_TX"; exit 1; } ) \
        > "$NL_DIR/ping.$i.$j" &
      pids+=($!)
    done
  done
  for i in "${pids[@]}"; do wait "$i"; done
  NL_BAD=$(cat "$NL_DIR"/ping.*.* 2>/dev/null | tr '\n' ' ')
  rm -f "$NL_DIR"/ping.*.*
  [ -z "$NL_BAD" ]
}

# ---------------------------------------------------------------- capture on the underlay
# nl_capture_start NAME: tcpdump on br-underlay (ns ul) into $NL_DIR/NAME.pcap, until nl_capture_stop.
nl_capture_start() {
  local name=$1 err=$NL_DIR/$1.tcpdump.err
  : >"$err"   # a capture of the same name started again must not find the last one's "listening on"
  # --immediate-mode: libpcap otherwise hands packets over in blocks, up to a second late, and a stop within that
  # second loses them
  ip netns exec ul tcpdump -i br-underlay -n -U --immediate-mode -s 128 -w "$NL_DIR/$name.pcap" >/dev/null 2>"$err" &
  NL_CAPTURES[$name]=$!
  nl_wait 15 "tcpdump $name to listen" grep -q "listening on" "$err"
}

nl_capture_stop() {
  local name=$1 pid=${NL_CAPTURES[$1]:-}
  [ -n "$pid" ] || return 0
  sleep 1      # let tcpdump (slow in UML) drain its socket before it stops
  kill -INT "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  unset "NL_CAPTURES[$name]"
}

# nl_capture_read NAME [FILTER...]: the packets as tcpdump prints them (one line each).
nl_capture_read() {
  local name=$1; shift
  tcpdump -r "$NL_DIR/$name.pcap" -n -nn "$@" 2>/dev/null
}

# nl_capture_plain NAME: what must never be on the underlay: any packet that is not ESP, leaving aside
# traffic with the controller (IKE), ARP, and IPv6 link-local / multicast housekeeping (ND, MLD).
nl_capture_plain() {
  nl_capture_read "$1" "not arp and not esp and not host ${NL_UL[4,ctl]} and not host ${NL_UL[6,ctl]}" \
    "and not ip6 multicast and not (ip6 and ip6[8] == 0xfe)" \
    "and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)"
}

# nl_capture_esp_count NAME [SPI] [FILTER]: number of ESP packets (with that SPI, 8 hex digits).
nl_capture_esp_count() {
  local name=$1 spi=${2:-} filter=${3:-esp}
  nl_capture_read "$name" "$filter" | grep -c "ESP(spi=0x$spi"
}

# nl_capture_spis NAME: the distinct SPIs of the ESP packets, 8 hex digits each, in order of first use.
nl_capture_spis() {
  nl_capture_read "$1" esp | sed -n 's/.*ESP(spi=0x\([0-9a-f]*\),.*/\1/p' | awk '!seen[$0]++'
}

# ---------------------------------------------------------------- the kernel's XFRM view
# nl_spi HEX: normalise an SPI (0x1000, 00001000, 1000) to 8 lowercase hex digits.
nl_spi() {
  local s=${1#0x}
  printf '%08x\n' "$((16#${s,,}))"
}

# nl_xfrm_all_states NS: one line per state: "src dst spi mode packets bytes" (spi as 8 hex digits).
nl_xfrm_all_states() {
  ip -n "$1" -s xfrm state 2>/dev/null | awk '
    function flush() { if (src != "") printf "%s %s %s %s %s %s\n", src, dst, spi, mode, pk, by; src = "" }
    /^src / { flush(); src = $2; dst = $4; pk = 0; by = 0; next }
    /proto esp spi/ { spi = $4; sub(/^0x/, "", spi); sub(/\(.*/, "", spi)
                      for (i = 1; i <= NF; i++) if ($i == "mode") mode = $(i + 1) }
    /^\tlifetime current:/ { cur = 1; next }
    cur && /\(bytes\)/ { gsub(/\(bytes\),|\(packets\)/, ""); by = $1; pk = $2; cur = 0 }
    END { flush() }'
}

# nl_xfrm_states NS: the group SA's states: all but those of the CHILD_SA with the controller (between
# a CPE's and the controller's underlay address; nl_xfrm_child_states lists those).
nl_xfrm_states() {
  nl_xfrm_all_states "$1" | awk -v a="${NL_UL[4,ctl]}" -v b="${NL_UL[6,ctl]}" '$1 != a && $1 != b && $2 != a && $2 != b'
}

# nl_xfrm_child_states NS: the states of CHILD_SAs with the controller (as nl_xfrm_all_states prints them).
nl_xfrm_child_states() {
  nl_xfrm_all_states "$1" | awk -v a="${NL_UL[4,ctl]}" -v b="${NL_UL[6,ctl]}" '$1 == a || $1 == b || $2 == a || $2 == b'
}

# nl_xfrm_packets NS SPI DST: the packet counter of the state (DST, SPI), empty if there is none.
nl_xfrm_packets() {
  nl_xfrm_all_states "$1" | awk -v spi="$2" -v dst="$3" '$3 == spi && $2 == dst { print $5; exit }'
}

# nl_xfrm_has_state NS SPI DST [SRC]: such a state exists (SPI as 8 hex digits).
nl_xfrm_has_state() {
  nl_xfrm_all_states "$1" | awk -v spi="$2" -v dst="$3" -v src="${4:-}" \
    '$3 == spi && $2 == dst && (src == "" || $1 == src) { f = 1 } END { exit !f }'
}

# nl_xfrm_count NS [SPI]: number of states (with that SPI).
nl_xfrm_count() { nl_xfrm_states "$1" | awk -v spi="${2:-}" 'spi == "" || $3 == spi { n++ } END { print n + 0 }'; }

# nl_xfrm_state_keys NS: all states (the CHILD_SA with the controller too) without counters, sorted ("src dst spi mode").
nl_xfrm_state_keys() { nl_xfrm_all_states "$1" | awk '{ print $1, $2, $3, $4 }' | sort; }

# nl_xfrm_policy_keys NS: one line per policy: "dir src dst tmpl-src tmpl-dst proto mode", sorted (per-socket
# policies, such as the IKE sockets' bypass, belong to their sockets and are left out).
nl_xfrm_policy_keys() {
  ip -n "$1" xfrm policy 2>/dev/null | awk '
    function flush() { if (sel != "" && dir != "socket") print dir, sel, tsrc, tdst, tproto, tmode; sel = "" }
    /^src / { flush(); sel = $2 " " $4; dir = "?"; tsrc = tdst = tproto = tmode = "-"; next }
    /^\tdir / { dir = $2 }
    /^\tsocket / { dir = "socket" }
    /^\ttmpl src / { tsrc = $3; tdst = $5 }
    /^\t\tproto / { tproto = $2; for (i = 1; i <= NF; i++) if ($i == "mode") tmode = $(i + 1) }
    END { flush() }' | sort
}

# nl_xfrm_policy_count NS [DIR] [DST-SELECTOR]: number of policies (in that direction, to that subnet).
nl_xfrm_policy_count() {
  nl_xfrm_policy_keys "$1" | awk -v d="${2:-}" -v n="${3:-}" '(d == "" || $1 == d) && (n == "" || $3 == n) { c++ } END { print c + 0 }'
}

# nl_xfrm_stat NS COUNTER: a counter of /proc/net/xfrm_stat in NS (XfrmInNoStates, XfrmOutNoStates...).
nl_xfrm_stat() { ip netns exec "$1" awk -v c="$2" '$1 == c { print $2 }' /proc/net/xfrm_stat; }

# ---------------------------------------------------------------- daemons: configuration
# nl_controller_conf [LISTEN]: $NL_DIR/controller.conf, one group, members cpe1..N (NL_MEMBERS="1 2"
# to list fewer). LISTEN defaults to the controller's IPv4 underlay address, port 500.
nl_controller_conf() {
  local listen=${1:-${NL_UL[4,ctl]}:500} i
  {
    echo "[controller]"
    echo "identity = controller.example.net"
    echo "listen = $listen"
    echo "control_socket = $NL_DIR/ctl.sock"
    echo "state_dir = $NL_DIR/ctl-state"
    echo "log_level = debug"
    echo
    echo "[group $NL_GROUP]"
    echo "esp = $NL_ESP"
    echo "lifetime = $NL_LIFETIME"
    echo "rekey_margin = $NL_REKEY_MARGIN"
    echo "roll1 = $NL_ROLL1"
    echo "roll2 = $NL_ROLL2"
    for i in ${NL_MEMBERS:-$(seq 1 "$NL_CPES")}; do
      echo
      echo "[member cpe$i]"
      echo "identity = cpe$i.example.net"
      echo "psk = \"netlab-psk-$i\""
      echo "group = $NL_GROUP"
    done
  } > "$NL_DIR/controller.conf"
}

# nl_agent_conf I [OPTION...]: $NL_DIR/cpeI.conf. Options:
#   underlay=4|6          family of the data-plane underlay and of the peer addresses (default 4)
#   controller=4|6        family to reach the controller with (default: the underlay's)
#   peers=all|none|"J K"  static [peer] sections (default: all other CPEs)
#   route_table=N         follow routes in table N
#   mode=tunnel|transport (default tunnel)
#   subnets=4|6|46        overlay families of the subnets (default 46)
#   agent="K = V;K = V"   more lines for the [agent] section (';' separates them)
#   follow=yes            no local_address and no underlay: the agent follows its uplink's address
nl_agent_conf() {
  local i=$1; shift
  local underlay=4 controller= peers=all route_table= mode=tunnel subnets=46 agent= follow=no opt j
  for opt in "$@"; do
    case $opt in
      underlay=*) underlay=${opt#*=} ;;
      controller=*) controller=${opt#*=} ;;
      peers=*) peers=${opt#*=} ;;
      route_table=*) route_table=${opt#*=} ;;
      mode=*) mode=${opt#*=} ;;
      subnets=*) subnets=${opt#*=} ;;
      agent=*) agent=${opt#*=} ;;
      follow=*) follow=${opt#*=} ;;
      *) nl_fail "nl_agent_conf: unknown option $opt" ;;
    esac
  done
  controller=${controller:-$underlay}
  if [ "$peers" = all ]; then
    peers=; for ((j = 1; j <= NL_CPES; j++)); do [ "$j" = "$i" ] || peers="$peers $j"; done
  fi
  [ "$peers" = none ] && peers=
  {
    echo "[agent]"
    echo "identity = cpe$i.example.net"
    echo "psk = \"netlab-psk-$i\""
    [ "$follow" = yes ] || echo "local_address = ${NL_UL[$controller,$i]}"
    echo "local_port = 500"
    echo "control_socket = $NL_DIR/cpe$i.sock"
    echo "log_level = debug"
    [ -n "$agent" ] && tr ';' '\n' <<<"$agent"
    echo
    echo "[controller]"
    echo "address = ${NL_UL[$controller,ctl]}"
    echo "port = 500"
    echo "identity = controller.example.net"
    echo
    echo "[dataplane]"
    echo "mode = $mode"
    [ "$follow" = yes ] || echo "underlay = ${NL_UL[$underlay,$i]}"
    echo "subnets = $(nl_subnets "$i" "$subnets")"
    [ -n "$route_table" ] && echo "route_table = $route_table"
    for j in $peers; do
      echo
      echo "[peer cpe$j]"
      echo "address = ${NL_UL[$underlay,$j]}"
      echo "subnets = $(nl_subnets "$j" "$subnets")"
    done
  } > "$NL_DIR/cpe$i.conf"
}

nl_subnets() {
  case $2 in
    4) echo "${NL_NET[4,$1]}" ;;
    6) echo "${NL_NET[6,$1]}" ;;
    *) echo "${NL_NET[4,$1]}, ${NL_NET[6,$1]}" ;;
  esac
}

# ---------------------------------------------------------------- daemons: processes
# .NET in UML: JIT time dominates start-up; tiered PGO and the background GC thread only add to it.
export DOTNET_TieredPGO=0 DOTNET_gcConcurrent=0 DOTNET_CLI_TELEMETRY_OPTOUT=1

nl_start_controller() {
  nl_require_daemons
  ip netns exec ctl "$MPSA_CONTROLLER" run --config "$NL_DIR/controller.conf" >> "$NL_DIR/controller.log" 2>&1 &
  NL_PIDS[ctl]=$!
  nl_log "controller started (pid ${NL_PIDS[ctl]})"
}

# nl_start_agent I: starts agent I in ns cpeI (its config must exist: nl_agent_conf).
nl_start_agent() {
  local i=$1
  nl_require_daemons
  ip netns exec "cpe$i" "$MPSA_AGENT" run --config "$NL_DIR/cpe$i.conf" >> "$NL_DIR/cpe$i.log" 2>&1 &
  NL_PIDS[cpe$i]=$!
  nl_log "agent cpe$i started (pid ${NL_PIDS[cpe$i]})"
}

# nl_wait_controller_up: until the controller answers on its control socket (it listens for IKE by then), so the
# agents started next reach it with their first IKE_SA_INIT, not after retransmissions backed off for its start-up.
nl_wait_controller_up() {
  nl_wait 60 "the controller's control socket" nl_ctl_status
  nl_log "controller answers"
}

# nl_stop NAME [SIGNAL] [SECONDS]: signals a daemon (default TERM) and waits for it to exit (nl_reap).
nl_stop() {
  local pid=${NL_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill "-${2:-TERM}" "$pid" 2>/dev/null
  nl_reap "$1" "${3:-15}"
}

# nl_reap NAME [SECONDS]: waits for a signalled daemon to exit, setting NL_EXIT to its status; returns 1 (after
# SIGKILL) if it did not exit in time. (A second SIGTERM would end a daemon without its goodbye.)
nl_reap() {
  local name=$1 timeout=${2:-15} pid=${NL_PIDS[$1]:-} rc=0
  [ -n "$pid" ] || return 0
  if ! NL_POLL_DEATHS=no nl_poll "$timeout" nl_gone "$pid"; then
    kill -KILL "$pid" 2>/dev/null
    rc=1
  fi
  wait "$pid" 2>/dev/null
  NL_EXIT=$?
  unset "NL_PIDS[$name]"
  return $rc
}
nl_gone() { ! kill -0 "$1" 2>/dev/null; }

# nl_alive NAME: the daemon still runs.
nl_alive() { local pid=${NL_PIDS[$1]:-}; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# nl_check_alive [NAME...]: fails the scenario if one of the daemons (default all started) has exited.
nl_check_alive() {
  local n log why names=("$@")
  [ $# -gt 0 ] || names=("${!NL_PIDS[@]}")
  for n in "${names[@]}"; do
    if ! nl_alive "$n"; then
      if [ "$n" = ctl ]; then log=$NL_DIR/controller.log; else log=$NL_DIR/$n.log; fi
      why=$(grep -m 1 -E "Unhandled exception|crit:|fail:" "$log" 2>/dev/null)
      [ -n "$why" ] || why=$(tail -n 3 "$log" 2>/dev/null | tr '\n' ' ')
      nl_fail "$n exited: $why"
    fi
  done
}

# nl_control SOCKET COMMAND: one request on a daemon's control socket, the answer on stdout. The line
# protocol `mpsa-* status` uses (one line in, the answer until the daemon closes), spoken by perl
# (perl-base is essential in Debian): a .NET start per poll costs 1-3 s in UML, perl 0.2 s.
nl_control() {
  perl -MIO::Socket::UNIX -e '
    my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
    print $s "$ARGV[1]\n"; shutdown($s, 1); my $n = 0;
    while (<$s>) { print; $n++ } exit($n ? 0 : 1);' "$1" "$2"
}

# nl_ctl_status / nl_agent_status I: the status JSON (through the socket; NL_STATUS_CLI=1: the CLI).
nl_ctl_status() {
  if [ -n "${NL_STATUS_CLI:-}" ]; then
    "$MPSA_CONTROLLER" status --json --config "$NL_DIR/controller.conf" 2>/dev/null
  else
    nl_control "$NL_DIR/ctl.sock" "status --json"
  fi
}
nl_agent_status() {
  if [ -n "${NL_STATUS_CLI:-}" ]; then
    "$MPSA_AGENT" status --json --config "$NL_DIR/cpe$1.conf" 2>/dev/null
  else
    nl_control "$NL_DIR/cpe$1.sock" "status --json"
  fi
}

# nl_check_cli I: the status commands themselves (`mpsa-controller status --json --config F`, and
# agent I's) answer, and the agent lists the group's current (or, during a rekey, next) SPI.
# Slow in UML (a .NET start each): scenario 01 calls it, the others ask through the sockets.
nl_check_cli() {
  local i=$1 c a spis k
  for k in 1 2 3; do
    c=$("$MPSA_CONTROLLER" status --json --config "$NL_DIR/controller.conf" 2>&1) ||
      nl_fail "mpsa-controller status --json failed: $c"
    a=$("$MPSA_AGENT" status --json --config "$NL_DIR/cpe$i.conf" 2>&1) || nl_fail "mpsa-agent status --json failed: $a"
    spis=$(jq -c --arg g "$NL_GROUP" '[.groups[] | select(.name == $g) | .current_spi, .next_spi | select(. != null)]' <<<"$c") ||
      nl_fail "mpsa-controller status --json: not JSON, or no group $NL_GROUP"
    jq -e --argjson s "$spis" '[.group_sas[] | select(.spi as $x | $s | index($x))] | length > 0' <<<"$a" >/dev/null && return 0
    sleep 1
  done
  nl_fail "mpsa-agent status --json (cpe$i) lists none of the group's SPIs $spis: $(jq -c .group_sas <<<"$a")"
}

# nl_group_spis: sets NL_CUR and NL_NEXT to the group's current and next SPI (8 hex digits; NL_NEXT
# empty when no rekey runs), from one controller status call. Returns 1 if there is no current SPI.
nl_group_spis() {
  local json cur next
  json=$(nl_ctl_status) || return 1
  cur=$(jq -r --arg g "$NL_GROUP" '.groups[] | select(.name == $g) | "\(.current_spi // "") \(.next_spi // "")"' <<<"$json")
  read -r cur next <<<"$cur"
  NL_CUR= NL_NEXT=
  [ -n "$cur" ] || return 1
  NL_CUR=$(nl_spi "$cur")
  [ -n "$next" ] && NL_NEXT=$(nl_spi "$next")
  return 0
}

# nl_group_spis_or_fail: nl_group_spis, failing the scenario (naming a dead controller) when it cannot.
nl_group_spis_or_fail() {
  local k
  for k in 1 2 3; do nl_group_spis && return 0; sleep 0.5; done
  nl_check_alive ctl
  nl_fail "the controller's status names no current SPI for group $NL_GROUP"
}

# nl_agent_spis I: sets NL_AGENT_SAS to agent I's group SAs as "spi:state" words.
nl_agent_spis() {
  NL_AGENT_SAS=$(nl_agent_status "$1" | jq -r '.group_sas[] | "\(.spi | ltrimstr("0x") | ascii_downcase):\(.state)"' | tr '\n' ' ')
}

# nl_member_state NAME: the controller's state for member NAME (e.g. cpe1).
nl_member_state() { nl_ctl_status | jq -r --arg m "$1" '.members[] | select(.name == $m) | .state'; }

# nl_inbound_present I [SPI]: cpeI's kernel has an inbound state (to its own underlay address).
nl_inbound_present() {
  nl_xfrm_states "cpe$1" | awk -v a="${NL_UL[4,$1]}" -v b="${NL_UL[6,$1]}" -v spi="${2:-}" \
    '($2 == a || $2 == b) && (spi == "" || $3 == spi) { f = 1 } END { exit !f }'
}

# nl_wait_group_ready SECONDS [I...]: waits until each listed CPE (default all) has an inbound state,
# then checks against the controller: its current SPI is that state's, and each agent reports it active.
nl_wait_group_ready() {
  local timeout=$1; shift
  local cpes=("${@:-}") i
  [ -n "${cpes[0]}" ] || cpes=($(seq 1 "$NL_CPES"))
  for i in "${cpes[@]}"; do
    if ! nl_poll "$timeout" nl_inbound_present "$i"; then
      nl_check_alive
      nl_fail "cpe$i: no inbound group SA in the kernel after ${timeout}s (controller status: $(nl_ctl_status | jq -c '[.groups[] | {current_spi, next_spi}], [.members[] | {name, state}]' 2>/dev/null | tr '\n' ' '))"
    fi
  done
  nl_check_alive
  nl_group_spis_or_fail
  # A rekey may be under way (short timers): the agent's active SA and the inbound state may be the
  # controller's current or its next one. The controller and the agent are asked one after the other, and
  # a rollover may fall between the two answers: a mismatch is asked again (fresh from both) for a while.
  for i in "${cpes[@]}"; do
    nl_poll 15 nl_agent_matches_group "$i" && continue
    nl_check_alive
    nl_agent_matches_group "$i"
    case $? in
      1) nl_fail "agent cpe$i does not report the group's SPI $NL_CUR${NL_NEXT:+ (or next $NL_NEXT)} as active (group_sas: $NL_AGENT_SAS)" ;;
      2) nl_fail "cpe$i: no inbound state with the group's SPI $NL_CUR${NL_NEXT:+ (or next $NL_NEXT)}" ;;
    esac
  done
  nl_log "group SA $NL_CUR active on cpe ${cpes[*]}"
}

# nl_agent_matches_group I: agent I reports the controller's current (or next) SPI as active and cpeI's kernel
# holds an inbound state for it; reads both afresh. Returns 1 (agent) or 2 (kernel) when not.
nl_agent_matches_group() {
  nl_group_spis || return 1
  nl_agent_spis "$1"
  [[ " $NL_AGENT_SAS " == *" $NL_CUR:active "* ]] || { [ -n "$NL_NEXT" ] && [[ " $NL_AGENT_SAS " == *" $NL_NEXT:active "* ]]; } ||
    return 1
  nl_inbound_present "$1" "$NL_CUR" || { [ -n "$NL_NEXT" ] && nl_inbound_present "$1" "$NL_NEXT"; } || return 2
}

# nl_start_all [AGENT OPTION...]: controller (default config) and agents cpe1..N (configs made with the
# options unless they exist), then waits for the group SA everywhere.
nl_start_all() {
  local i
  [ -f "$NL_DIR/controller.conf" ] || nl_controller_conf
  nl_start_controller
  nl_wait_controller_up
  for ((i = 1; i <= NL_CPES; i++)); do
    [ -f "$NL_DIR/cpe$i.conf" ] || nl_agent_conf "$i" "$@"
    nl_start_agent "$i"
  done
  nl_wait_group_ready 90
}

# ---------------------------------------------------------------- cleanup
nl_cleanup() {
  local name ns
  for name in "${!NL_CAPTURES[@]}"; do nl_capture_stop "$name"; done
  # every daemon but the controller told at once (each stop takes its own second or two in UML), then waited for
  for name in "${!NL_PIDS[@]}"; do
    [ "$name" = ctl ] || kill -TERM "${NL_PIDS[$name]}" 2>/dev/null
  done
  for name in "${!NL_PIDS[@]}"; do
    [ "$name" = ctl ] || nl_reap "$name" 10
  done
  nl_stop ctl TERM 10
  for ns in "${NL_NETNS[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  NL_NETNS=()
}
