# shellcheck shell=bash
# strongswan-lib.sh: run throwaway strongSwan (charon) instances inside network namespaces.
#
# Source it from a bash script:   . "$(dirname "$0")/strongswan-lib.sh"
# then call sw_init once (it makes a private work dir and installs the cleanup trap).
#
# Everything this library creates is recorded and removed by sw_cleanup (run by the trap on
# EXIT, INT, TERM and on errors under `set -e`): charon processes and tcpdumps it started (by
# pid, never by name), the network namespaces it created, the work directory.
#
# Facts it relies on (strongSwan 5.9.8, Debian 12):
#  - charon's pid file path (/run/charon.pid) is compiled in, so each instance runs in its own
#    mount namespace (unshare -m --propagation private) with a private directory bind-mounted
#    over /run (on Debian /var/run is a symlink to /run).
#  - STRONGSWAN_CONF selects the strongswan.conf of charon and of swanctl; each instance gets
#    its own, with an explicit `load = ...` plugin list, its own vici socket
#    (unix://<instance dir>/vici) and its own filelog.
#  - The kernel here has XFRM but no ESP: to install CHILD_SAs, load kernel-libipsec (userspace
#    ESP on a TUN device), which needs install_routes = yes. Without it the CHILD_SA fails and
#    the IKE_SA stays up. Two consequences of kernel-libipsec, measured:
#      * it reports "requires UDP encapsulation", so charon fakes NAT detection (sends a random
#        NATD_S_IP, both sides log "remote host is behind NAT") and moves to UDP 4500 from
#        IKE_AUTH on: those messages carry the 4-byte non-ESP marker, and ESP is ESP-in-UDP.
#      * the CHILD_SA is routed through its TUN device (ipsec0): traffic selectors that cover
#        the peer's IKE address capture the IKE packets themselves (the IKE_AUTH response goes
#        out ESP-encrypted and the initiator never sees it). Use inner subnets that do not
#        contain the IKE endpoints.
#
# Packages: strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
#           libstrongswan-extra-plugins libcharon-extra-plugins iproute2 (util-linux: unshare)
#           tcpdump (only for sw_capture_start).
#
# All functions return non-zero on failure and print a message on stderr prefixed "sw:".

SW_CHARON=${SW_CHARON:-/usr/lib/ipsec/charon}
SW_SWANCTL=${SW_SWANCTL:-swanctl}
# Default plugin list: crypto (openssl first, then the native ones as fallbacks), kdf (5.9.8
# derives IKE keys through it: without it "KDF_PRF with PRF_... not supported"), curve25519,
# chapoly, gcm, nonce/random, the kernel interfaces, the socket and vici.
SW_DEFAULT_PLUGINS=${SW_DEFAULT_PLUGINS:-"random nonce openssl aes sha1 sha2 hmac kdf gcm chapoly curve25519 gmp pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici"}
# Default filelog levels (charon debug groups). -1..4; 4 prints keys and secrets.
SW_DEFAULT_LOGLEVELS=${SW_DEFAULT_LOGLEVELS:-"default = 1, ike = 2, cfg = 1, knl = 1"}

SW_WORKDIR=""          # private work dir, made by sw_init
SW_NETNS_LIST=()       # namespaces created by sw_netns_pair_create
SW_PIDS=()             # pids started by this library (charon, tcpdump)

sw_log() { echo "sw: $*" >&2; }

# sw_init [WORKDIR_PARENT]
#   Makes a private work directory (mktemp under WORKDIR_PARENT, default /tmp; keep it short,
#   unix socket paths are limited to 107 bytes) in SW_WORKDIR and installs sw_cleanup as the
#   EXIT/INT/TERM trap. Call once, before anything else. Needs root.
sw_init() {
	local parent=${1:-/tmp}
	if [ "$(id -u)" -ne 0 ]; then sw_log "must run as root"; return 1; fi
	SW_WORKDIR=$(mktemp -d "$parent/mpsa-sw.XXXXXX") || return 1
	trap 'sw_cleanup' EXIT
	trap 'sw_cleanup; trap - INT; kill -INT $$' INT
	trap 'sw_cleanup; trap - TERM; kill -TERM $$' TERM
}

# sw_cleanup
#   Stops every process this library started (TERM, then KILL after 3 s), deletes every
#   namespace it created and removes SW_WORKDIR, unless SW_KEEP_WORKDIR=1 (then it prints it).
#   Idempotent; safe to call from a trap at any point.
sw_cleanup() {
	local pid i
	for pid in "${SW_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for ((i = 0; i < 30; i++)); do
		local alive=0
		for pid in "${SW_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive -eq 0 ] && break
		sleep 0.1
	done
	for pid in "${SW_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	SW_PIDS=()
	local ns
	for ns in "${SW_NETNS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	SW_NETNS_LIST=()
	if [ -n "$SW_WORKDIR" ] && [ -d "$SW_WORKDIR" ]; then
		if [ "${SW_KEEP_WORKDIR:-0}" = 1 ]; then
			sw_log "work dir kept: $SW_WORKDIR"
		else
			rm -rf "$SW_WORKDIR"
		fi
	fi
	SW_WORKDIR=""
}

# sw_forget_pid PID
#   Internal: drops PID from the list of processes to kill at cleanup.
sw_forget_pid() {
	local p keep=()
	for p in "${SW_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	SW_PIDS=("${keep[@]}")
}

# sw_netns_pair_create NS_A NS_B [IF_A IF_B [V4_A V4_B V6_A V6_B]]
#   Creates two network namespaces joined by a veth pair (IF_A in NS_A, IF_B in NS_B; default
#   veth-a/veth-b; no interface ever exists in the host namespace) and brings up loopback and the
#   veth ends with addresses V4_* (/24, default 10.200.0.1/10.200.0.2) and V6_* (/64, nodad,
#   default fd00:200::1/fd00:200::2). Both namespaces are deleted by sw_cleanup.
sw_netns_pair_create() {
	local a=$1 b=$2 ifa=${3:-veth-a} ifb=${4:-veth-b}
	local v4a=${5:-10.200.0.1} v4b=${6:-10.200.0.2} v6a=${7:-fd00:200::1} v6b=${8:-fd00:200::2}
	local ns
	for ns in "$a" "$b"; do
		if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
			sw_log "namespace $ns already exists"; return 1
		fi
	done
	ip netns add "$a" || return 1
	SW_NETNS_LIST+=("$a")
	ip netns add "$b" || return 1
	SW_NETNS_LIST+=("$b")
	ip -n "$a" link add "$ifa" type veth peer name "$ifb" netns "$b" || return 1
	ip -n "$a" link set lo up && ip -n "$b" link set lo up || return 1
	ip -n "$a" addr add "$v4a/24" dev "$ifa" && ip -n "$b" addr add "$v4b/24" dev "$ifb" || return 1
	ip -n "$a" addr add "$v6a/64" dev "$ifa" nodad && ip -n "$b" addr add "$v6b/64" dev "$ifb" nodad || return 1
	ip -n "$a" link set "$ifa" up && ip -n "$b" link set "$ifb" up || return 1
	# wait until both ends report operstate UP
	local i
	for ((i = 0; i < 50; i++)); do
		if [ "$(ip netns exec "$a" cat "/sys/class/net/$ifa/operstate")" = up ] &&
			[ "$(ip netns exec "$b" cat "/sys/class/net/$ifb/operstate")" = up ]; then
			return 0
		fi
		sleep 0.1
	done
	sw_log "veth $ifa<->$ifb did not come up"; return 1
}

# sw_netns_addr_add NETNS ADDR/PREFIX [DEV]
#   Adds an address (default on lo) in NETNS, e.g. an inner address inside the local traffic
#   selector: kernel-libipsec installs its route with a source address from the local TS and
#   fails ("error installing route with policy ...", CHILD_SA refused with TS_UNACCEPTABLE) when
#   the namespace has none.
sw_netns_addr_add() {
	local ns=$1 addr=$2 dev=${3:-lo} extra=()
	case "$addr" in *:*) extra=(nodad) ;; esac
	ip -n "$ns" addr add "$addr" dev "$dev" "${extra[@]}"
}

# sw_netns_pair_destroy NS_A NS_B
#   Deletes the two namespaces (which also removes the veth) before cleanup, e.g. to reuse names.
sw_netns_pair_destroy() {
	local ns keep=() n
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	for n in "${SW_NETNS_LIST[@]}"; do
		case " $* " in *" $n "*) ;; *) keep+=("$n") ;; esac
	done
	SW_NETNS_LIST=("${keep[@]}")
}

# sw_instance_dir NAME
#   Prints the directory of instance NAME ($SW_WORKDIR/NAME): strongswan.conf, swanctl.conf,
#   charon.log (filelog), charon.out (stdout/stderr), vici (socket), run/ (its /run), pid.
sw_instance_dir() { echo "$SW_WORKDIR/$1"; }

# sw_instance_uri NAME
#   Prints the vici URI of instance NAME, for swanctl --uri.
sw_instance_uri() { echo "unix://$SW_WORKDIR/$1/vici"; }

# sw_instance_write_conf NAME [LOGLEVELS [PLUGINS [EXTRA_CHARON_SETTINGS]]]
#   Writes the instance's strongswan.conf. LOGLEVELS is the body of the filelog section, e.g.
#   "default = 1, ike = 4, chd = 4" (default SW_DEFAULT_LOGLEVELS); PLUGINS the `load` list
#   (default SW_DEFAULT_PLUGINS); EXTRA_CHARON_SETTINGS free text put inside charon { } (e.g.
#   "cookie_threshold = 1000"). With kernel-libipsec in PLUGINS, install_routes = yes is set.
#   Called by sw_instance_start if the file does not exist yet.
sw_instance_write_conf() {
	local name=$1 levels=${2:-$SW_DEFAULT_LOGLEVELS} plugins=${3:-$SW_DEFAULT_PLUGINS} extra=${4:-}
	local dir
	dir=$(sw_instance_dir "$name")
	mkdir -p "$dir/run"
	# strongswan.conf takes one setting a line: "a = 1, b = 2" would set a to "1, b = 2"
	levels=${levels//,/$'\n\t\t\t'}
	local routes=no
	case " $plugins " in *" kernel-libipsec "*) routes=yes ;; esac
	cat >"$dir/strongswan.conf" <<EOF
# written by strongswan-lib.sh for instance $name
charon {
	load = $plugins
	install_routes = $routes
	install_virtual_ip = no
	port = 500
	port_nat_t = 4500
	retransmit_tries = 3
	plugins {
		vici {
			socket = unix://$dir/vici
		}
		kernel-libipsec {
			allow_peer_ts = yes
		}
	}
	filelog {
		charonlog {
			path = $dir/charon.log
			append = no
			flush_line = yes
			time_format = %H:%M:%S
			ike_name = yes
			$levels
		}
	}
	syslog {
		identifier = charon-$name
		daemon {
			default = -1
		}
	}
	$extra
}
swanctl {
	load = pem pkcs1 x509 pubkey openssl random
}
EOF
}

# sw_instance_start NAME NETNS
#   Starts charon for instance NAME inside NETNS (its own mount namespace, private /run, its
#   own STRONGSWAN_CONF; writes a default strongswan.conf first if sw_instance_write_conf was
#   not called) and waits until its vici socket answers (15 s at most). The charon pid is in
#   <dir>/pid and is killed by sw_cleanup.
sw_instance_start() {
	local name=$1 ns=$2 dir pid i
	dir=$(sw_instance_dir "$name")
	[ -f "$dir/strongswan.conf" ] || sw_instance_write_conf "$name" || return 1
	mkdir -p "$dir/run"
	rm -f "$dir/vici" "$dir/run/charon.pid"
	# ip netns exec -> unshare -m -> sh: bind mount, then exec charon: $! is charon itself.
	STRONGSWAN_CONF="$dir/strongswan.conf" ip netns exec "$ns" \
		unshare -m --propagation private \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$dir/run" "$SW_CHARON" \
		>"$dir/charon.out" 2>&1 </dev/null &
	pid=$!
	SW_PIDS+=("$pid")
	echo "$pid" >"$dir/pid"
	for ((i = 0; i < 150; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			sw_log "charon $name exited at start; its output:"; cat "$dir/charon.out" >&2
			[ -f "$dir/charon.log" ] && tail -20 "$dir/charon.log" >&2
			return 1
		fi
		if [ -S "$dir/vici" ] && sw_swanctl "$name" --stats >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	sw_log "charon $name: vici socket did not answer"; return 1
}

# sw_swanctl NAME ARGS...
#   Runs swanctl against instance NAME (its STRONGSWAN_CONF and vici URI) with ARGS.
sw_swanctl() {
	local name=$1; shift
	local dir
	dir=$(sw_instance_dir "$name")
	STRONGSWAN_CONF="$dir/strongswan.conf" "$SW_SWANCTL" "$@" --uri "$(sw_instance_uri "$name")"
}

# sw_load_config NAME SWANCTL_CONF_TEXT
#   Writes SWANCTL_CONF_TEXT (a complete swanctl.conf: connections { } secrets { } ...; one
#   setting a line, as swanctl's parser wants) to
#   <dir>/swanctl.conf and loads it with swanctl --load-all --file. Output goes to
#   <dir>/swanctl-load.out; on failure it is printed.
sw_load_config() {
	local name=$1 text=$2 dir
	dir=$(sw_instance_dir "$name")
	printf '%s\n' "$text" >"$dir/swanctl.conf"
	# swanctl looks for credential folders beside the file; empty ones keep it quiet
	local d
	for d in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$dir/$d"
	done
	if ! sw_swanctl "$name" --load-all --noprompt --file "$dir/swanctl.conf" >"$dir/swanctl-load.out" 2>&1; then
		sw_log "swanctl --load-all failed for $name:"; cat "$dir/swanctl-load.out" >&2
		return 1
	fi
}

# sw_initiate NAME CHILD [IKE [TIMEOUT_S]]
#   Initiates CHILD (of connection IKE, if given) on instance NAME and waits for the result
#   (default timeout 15 s). Returns swanctl's status: 0 only if the CHILD_SA was established.
#   swanctl's log output goes to <dir>/initiate.out.
sw_initiate() {
	local name=$1 child=$2 ike=${3:-} timeout=${4:-15} dir
	dir=$(sw_instance_dir "$name")
	local args=(--initiate --child "$child" --timeout "$timeout")
	[ -n "$ike" ] && args+=(--ike "$ike")
	sw_swanctl "$name" "${args[@]}" >"$dir/initiate.out" 2>&1
}

# sw_initiate_ike NAME IKE [TIMEOUT_S]
#   Initiates the IKE_SA IKE alone, no CHILD_SA (charon sends IKE_AUTH without SA/TS: RFC 6023).
sw_initiate_ike() {
	local name=$1 ike=$2 timeout=${3:-15} dir
	dir=$(sw_instance_dir "$name")
	sw_swanctl "$name" --initiate --ike "$ike" --timeout "$timeout" >"$dir/initiate.out" 2>&1
}

# sw_list_sas NAME [ARGS...]
#   Prints swanctl --list-sas of instance NAME (ARGS e.g. --ike NAME, --raw).
sw_list_sas() {
	local name=$1; shift
	sw_swanctl "$name" --list-sas "$@"
}

# sw_wait_ike_established NAME [TIMEOUT_S]
#   Waits until instance NAME lists an IKE_SA in state ESTABLISHED (default 15 s).
sw_wait_ike_established() {
	local name=$1 timeout=${2:-15} i
	for ((i = 0; i < timeout * 10; i++)); do
		sw_list_sas "$name" 2>/dev/null | grep -q ESTABLISHED && return 0
		sleep 0.1
	done
	return 1
}

# sw_instance_stop NAME
#   Stops instance NAME: SIGTERM (charon then sends DELETE for its established IKE_SAs and
#   exits), waits up to 5 s, then SIGKILL.
sw_instance_stop() {
	local name=$1 dir pid i
	dir=$(sw_instance_dir "$name")
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sw_forget_pid "$pid"
	rm -f "$dir/pid"
}

# sw_capture_start NETNS IFACE PCAP_FILE [FILTER]
#   Starts tcpdump in NETNS on IFACE writing PCAP_FILE (packet-buffered), default filter
#   "udp port 500 or udp port 4500"; waits until it listens. Sets SW_CAPTURE_PID to the
#   tcpdump pid (do not call it in $(...): the pid must be recorded in this shell); stop it
#   with sw_capture_stop "$SW_CAPTURE_PID".
sw_capture_start() {
	local ns=$1 ifc=$2 file=$3 filter=${4:-udp port 500 or udp port 4500} pid i
	ip netns exec "$ns" tcpdump -n -U --immediate-mode -s 0 -i "$ifc" -w "$file" $filter >"$file.log" 2>&1 </dev/null &
	pid=$!
	SW_PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$file.log" 2>/dev/null && { SW_CAPTURE_PID=$pid; return 0; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sw_log "tcpdump did not start:"; cat "$file.log" >&2
	return 1
}

# sw_capture_stop PID
#   Stops a tcpdump started by sw_capture_start (SIGINT, so it flushes the file) and waits.
#   (sw_capture_start uses --immediate-mode: with the default TPACKET_V3 block timeout tcpdump
#   can be interrupted before it has read the last second's packets.)
sw_capture_stop() {
	local pid=$1 i
	sleep 0.2
	kill -INT "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sw_forget_pid "$pid"
}
