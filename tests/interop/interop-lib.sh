# shellcheck shell=bash
# interop-lib.sh: our daemons (mpsa-agent, mpsa-controller) against strongSwan's charon, each in
# its own network namespace, on top of strongswan-lib.sh (source this file; it sources that one).
#
# Topology (io_setup): two namespaces joined by a veth, nothing in the host namespace.
#
#     $IO_NS_HUB  veth-h 10.91.0.1   <---->   10.91.0.2 veth-c  $IO_NS_CPE
#     (charon responder or mpsa-controller)    (mpsa-agent or charon initiator)
#
# Choices forced by this machine (see strongswan-lib.sh and docs/ARCHITECTURE.md §8):
#  - The kernel has XFRM but no ESP, so charon uses kernel-libipsec (userspace ESP) to get a
#    CHILD_SA INSTALLED, and our daemons run with the in-memory kernel where they have one
#    (mpsa-agent --dry-run).
#  - libipsec only does tunnel mode ("IPsec SA: unsupported mode" for transport), so charon's
#    children are `mode = tunnel`. The agent proposes transport mode; charon as responder
#    ignores N(USE_TRANSPORT_MODE) and answers tunnel mode (RFC 7296 §1.3.1 fallback).
#  - The CHILD_SA traffic selectors are the two IKE addresses (the agent proposes exactly that).
#    kernel-libipsec routes a CHILD_SA's remote TS through its TUN device; with
#    `plugins.kernel-libipsec.allow_peer_ts = no` (the default, which this lib sets back) it does
#    not install a route for a remote TS equal to the IKE peer, so the IKE packets themselves are
#    not captured by ipsec0 (with `yes` they would be: the IKE_AUTH response would go out inside
#    ESP). Nothing needs to flow through the CHILD_SA here.
#  - kernel-libipsec reports "requires UDP encapsulation": charon fakes NAT detection (random
#    NATD_S_IP) whenever the peer sends NATD notifies, and then floats to UDP 4500 (non-ESP
#    marker) for IKE_AUTH. strongSwan 5.9.8 has no setting to turn that off (`encap = yes` only
#    forces it; the later `kernel-libipsec.raw_esp` option does not exist in 5.9.8). With a peer
#    that sends no NATD notifies charon stays on UDP 500. So the tests run on port 500 unless our
#    daemons do NAT-T; evidence shows the ports used (swanctl --list-sas, charon log).
#  - mobike = no on charon's side: with MOBIKE charon would float to 4500 even without NAT.
#
# Evidence (io_collect, also on failure) goes to $IO_EVIDENCE: result.txt (key=value lines,
# read by the NUnit tests), list-sas.txt, charon.log (filelog with ike = 4: SK_* dumps),
# charon.out, *.conf, agent.log / controller.log (daemon stderr), agent-status.json /
# controller-status.json, and for the charon-to-charon self check the second charon's files.
#
# Needs root. Packages: see IO_PACKAGES.

IO_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# INTEROP_STRONGSWAN6=PREFIX: the charon and swanctl of a strongSwan 6 build instead of Debian's 5.9
# (packaging/build/strongswan6.sh prints one), with its ml plugin for ML-KEM (the post-quantum runs).
if [ -n "${INTEROP_STRONGSWAN6:-}" ]; then
	SW_CHARON=$INTEROP_STRONGSWAN6/libexec/ipsec/charon
	SW_SWANCTL=$INTEROP_STRONGSWAN6/sbin/swanctl
	SW_DEFAULT_PLUGINS="random nonce openssl aes sha1 sha2 hmac kdf gcm chapoly curve25519 ml gmp pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici"
fi
# shellcheck source=strongswan-lib.sh
. "$IO_HERE/strongswan-lib.sh"

IO_PACKAGES=(strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	libstrongswan-extra-plugins libcharon-extra-plugins iproute2 util-linux mount)

IO_ADDR_HUB=10.91.0.1
IO_ADDR_CPE=10.91.0.2
IO_PSK="mpsa-test-psk-0123456789"
IO_ID_HUB=controller.example.net
IO_ID_CPE=cpe1.example.net
# ike = 4 prints SKEYSEED and SK_* (keymat_v2.c DBG4); enc = 1 the "parsed/generating" lines
IO_LOGLEVELS="default = 1, ike = 4, chd = 2, cfg = 1, net = 1, enc = 1, knl = 2, esp = 1, lib = 1"
IO_CHARON_EXTRA='plugins {
		kernel-libipsec {
			allow_peer_ts = yes
		}
		kernel-netlink {
			fwmark = !0x42
		}
		socket-default {
			fwmark = 0x42
		}
	}'

# IO_FRAGMENT_SIZE=N: every side fragments IKE messages over N octets (charon's fragment_size, our fragment_size)
if [ -n "${IO_FRAGMENT_SIZE:-}" ]; then
	IO_CHARON_EXTRA+=$'\n\tfragment_size = '"$IO_FRAGMENT_SIZE"
fi

# ESP proposal beside each IKE suite of the core (used by run-interop.sh)
# shellcheck disable=SC2034
declare -A IO_ESP=(
	[aes128-sha256-prfsha256-x25519]=aes128-sha256
	[aes256-sha1-prfsha1-modp2048]=aes256-sha1
	[aes128gcm16-prfsha256-ecp256]=aes128gcm16
	[aes256gcm16-prfsha384-x25519]=aes256gcm16
	[chacha20poly1305-prfsha256-x25519]=chacha20poly1305
	[aes256-sha256-prfsha512-ecp256]=aes256-sha256
	[aes256-sha256-x25519-ke1_mlkem768]=aes256-sha256
	[chacha20poly1305-prfsha256-x25519-ke1_mlkem768]=chacha20poly1305
)

IO_EVIDENCE=""       # evidence directory (io_init)
IO_NS_HUB="" IO_NS_CPE=""
IO_DAEMON_PID=""     # pid of our daemon (mpsa-agent or mpsa-controller)
IO_DAEMON_NAME=""    # agent | controller
IO_DAEMON_CONF=""
IO_DAEMON_BIN=""
IO_STARTED=$(date +%s.%N)

io_log() { echo "interop: $*" >&2; }

# io_result KEY VALUE: appends one key=value line to result.txt (the last one of a key wins)
io_result() {
	[ -n "$IO_EVIDENCE" ] && printf '%s=%s\n' "$1" "$2" >>"$IO_EVIDENCE/result.txt"
	return 0
}

# io_mark NAME: records t_NAME = seconds since the start (phase timings in result.txt)
io_mark() {
	io_result "t_$1" "$(awk -v a="$IO_STARTED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')"
}

# io_fail_env MESSAGE: environment problem (not root, package or binary missing): exit 2
io_fail_env() {
	io_log "$*"
	io_result outcome environment
	io_result reason "$*"
	exit 2
}

# io_repo_root: the directory holding CpeAgent.sln ($MPSA_REPO, or walking up from here)
io_repo_root() {
	if [ -n "${MPSA_REPO:-}" ]; then echo "$MPSA_REPO"; return; fi
	local d=$IO_HERE
	while [ "$d" != / ]; do
		[ -f "$d/CpeAgent.sln" ] && { echo "$d"; return; }
		d=$(dirname "$d")
	done
	return 1
}

# io_preflight NEED_AGENT NEED_CONTROLLER (yes/no): root, packages, tools, binaries, dotnet
io_preflight() {
	[ "$(id -u)" -eq 0 ] || io_fail_env "must run as root (network namespaces, charon)"
	local missing=() p installed
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${IO_PACKAGES[@]}" 2>/dev/null | awk '/install ok installed/ { print $1 }')
	for p in "${IO_PACKAGES[@]}"; do
		grep -qx "$p" <<<"$installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] || io_fail_env "missing Debian packages: ${missing[*]} (install: apt-get install ${IO_PACKAGES[*]}, or make deps)"
	[ -x "$SW_CHARON" ] || io_fail_env "no charon at $SW_CHARON"
	local t
	for t in swanctl ip unshare; do
		command -v "$t" >/dev/null || io_fail_env "no $t on PATH"
	done
	local repo
	repo=$(io_repo_root) || io_fail_env "cannot find the repository root (CpeAgent.sln); set MPSA_REPO"
	IO_AGENT_BIN=${MPSA_AGENT:-$repo/agent/Mpsa.Agent/bin/Release/net10.0/mpsa-agent}
	IO_CONTROLLER_BIN=${MPSA_CONTROLLER:-$repo/controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller}
	if [ "$1" = yes ] && [ ! -x "$IO_AGENT_BIN" ]; then
		io_fail_env "no mpsa-agent at $IO_AGENT_BIN (dotnet build CpeAgent.sln -c Release)"
	fi
	if [ "$2" = yes ] && [ ! -x "$IO_CONTROLLER_BIN" ]; then
		io_fail_env "no mpsa-controller at $IO_CONTROLLER_BIN (dotnet build CpeAgent.sln -c Release)"
	fi
	if [ "$1" = yes ] || [ "$2" = yes ]; then
		local dn
		dn=$(command -v dotnet) || io_fail_env "no dotnet on PATH (the daemons are apphosts)"
		export DOTNET_ROOT=${DOTNET_ROOT:-$(dirname "$(readlink -f "$dn")")}
		export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
	fi
	if [ -n "${INTEROP_STRONGSWAN6:-}" ]; then
		io_result charon_version "$("$SW_CHARON" --version 2>/dev/null)"
	else
		io_result charon_version "$(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null)"
	fi
}

# io_init EVIDENCE_DIR SCENARIO SUITE: evidence dir, work dir, traps (collect, then clean up)
io_init() {
	IO_EVIDENCE=$1
	mkdir -p "$IO_EVIDENCE" || { io_log "cannot create $IO_EVIDENCE"; exit 2; }
	: >"$IO_EVIDENCE/result.txt"
	io_result scenario "$2"
	io_result suite "$3"
	io_result outcome started
}

# io_start_lab: work dir and the namespace pair. Namespace names: ${INTEROP_NETNS_PREFIX}-hub
# and -cpe (default prefix mpsa-io<pid>): the caller can delete leftovers by prefix.
io_start_lab() {
	sw_init /tmp || io_fail_env "sw_init failed"
	trap 'io_finish' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	local prefix=${INTEROP_NETNS_PREFIX:-mpsa-io$$}
	IO_NS_HUB=$prefix-hub
	IO_NS_CPE=$prefix-cpe
	io_result netns "$IO_NS_HUB $IO_NS_CPE"
	io_result workdir "$SW_WORKDIR"
	sw_netns_pair_create "$IO_NS_HUB" "$IO_NS_CPE" veth-h veth-c "$IO_ADDR_HUB" "$IO_ADDR_CPE" \
		fd00:91::1 fd00:91::2 || { io_result reason "could not create the namespaces"; exit 1; }
	if [ "${INTEROP_PCAP:-0}" = 1 ] && command -v tcpdump >/dev/null; then
		sw_capture_start "$IO_NS_HUB" veth-h "$IO_EVIDENCE/veth.pcap" && IO_PCAP_PID=$SW_CAPTURE_PID
	fi
}

# io_charon_start NAME NETNS: charon with our log levels and allow_peer_ts = no
io_charon_start() {
	sw_instance_write_conf "$1" "$IO_LOGLEVELS" "" "$IO_CHARON_EXTRA"
	sw_instance_start "$1" "$2" || return 1
	# pid and program, for the caller's last-resort cleanup (the trap normally does it)
	echo "$(cat "$(sw_instance_dir "$1")/pid") $SW_CHARON" >>"$IO_EVIDENCE/pids"
}

# io_swanctl_conf ROLE LOCAL REMOTE LOCAL_ID REMOTE_ID IKE_PROPOSAL ESP_PROPOSAL
#   ROLE responder|initiator. PSK, tunnel mode (libipsec), dynamic traffic selectors (the two
#   IKE addresses), no MOBIKE (IO_MOBIKE=yes: with it), no DPD, no rekeying during the test unless IO_IKE_REKEY_TIME or
#   IO_CHILD_REKEY_TIME (seconds, default 0 = never) is set: then charon rekeys that SA exactly
#   (IO_IKE_REAUTH_TIME likewise: charon reauthenticates the IKE SA, make-before-break)
#   that long after it was made (rand_time = 0; the hard lifetime is 60 s later, so only the
#   rekey happens during a test; run-interop-rekey.sh).
io_swanctl_conf() {
	local ike_rekey=${IO_IKE_REKEY_TIME:-0} child_rekey=${IO_CHILD_REKEY_TIME:-0}
	local ike_times="rekey_time = 0" child_times="rekey_time = 0"
	if [ "$ike_rekey" != 0 ]; then
		ike_times="rekey_time = ${ike_rekey}s"$'\n\t\t'"over_time = 60s"$'\n\t\t'"rand_time = 0"
	fi
	if [ "${IO_IKE_REAUTH_TIME:-0}" != 0 ]; then
		ike_times="rekey_time = 0"$'\n\t\t'"reauth_time = ${IO_IKE_REAUTH_TIME}s"$'\n\t\t'"over_time = 60s"$'\n\t\t'"rand_time = 0"
	fi
	if [ "$child_rekey" != 0 ]; then
		child_times="rekey_time = ${child_rekey}s"$'\n\t\t\t\t'"life_time = $((child_rekey + 60))s"$'\n\t\t\t\t'"rand_time = 0"
	fi
	cat <<EOF
connections {
	mpsa {
		version = 2
		local_addrs = $2
		remote_addrs = $3
		proposals = $6
		mobike = ${IO_MOBIKE:-no}
		dpd_delay = 0
		$ike_times
		local {
			auth = psk
			id = $4
		}
		remote {
			auth = psk
			id = $5
		}
		children {
			mpsa {
				esp_proposals = $7
				mode = tunnel
				local_ts = dynamic
				remote_ts = dynamic
				$child_times
				start_action = none
			}
		}
	}
}
secrets {
	ike-mpsa {
		id-hub = $IO_ID_HUB
		id-cpe = $IO_ID_CPE
		secret = "$IO_PSK"
	}
}
EOF
}

# io_agent_conf SUITE ESP: mpsa-agent config (CPE side)
io_agent_conf() {
	cat <<EOF
# written by interop-lib.sh
[agent]
identity = $IO_ID_CPE
psk = "$IO_PSK"
${IO_AGENT_LOCAL-local_address = $IO_ADDR_CPE}
local_port = 500
proposals = $1
esp_proposals = $2
control_socket = $SW_WORKDIR/agent.sock
log_level = debug
${IO_FRAGMENT_SIZE:+fragment_size = $IO_FRAGMENT_SIZE}
${IO_AGENT_EXTRA:-}

[controller]
address = $IO_ADDR_HUB
port = 500
identity = $IO_ID_HUB
EOF
}

# io_controller_conf SUITE ESP: mpsa-controller config (hub side), one member: the charon CPE.
#   The group's timing comes from IO_GROUP_LIFETIME, IO_GROUP_REKEY_MARGIN, IO_GROUP_ROLL1 and
#   IO_GROUP_ROLL2 (default 1h, 5m, 30s, 60s: no group rekey during a test).
io_controller_conf() {
	cat <<EOF
# written by interop-lib.sh
[controller]
identity = $IO_ID_HUB
${IO_CONTROLLER_LISTEN-listen = $IO_ADDR_HUB:500, $IO_ADDR_HUB:4500}
proposals = $1
esp_proposals = $2
control_socket = $SW_WORKDIR/controller.sock
state_dir = $SW_WORKDIR/controller-state
log_level = debug
${IO_FRAGMENT_SIZE:+fragment_size = $IO_FRAGMENT_SIZE}

[group office]
esp = aes256-sha256
prf = prfsha256
lifetime = ${IO_GROUP_LIFETIME:-1h}
rekey_margin = ${IO_GROUP_REKEY_MARGIN:-5m}
roll1 = ${IO_GROUP_ROLL1:-30s}
roll2 = ${IO_GROUP_ROLL2:-60s}
rekey_on_member_removal = yes

[member cpe1]
identity = $IO_ID_CPE
psk = "$IO_PSK"
group = office
require_vendor_id = no
EOF
}

# io_other_esp ESP: an ESP proposal other than ESP that both sides can do (the child-refused runs)
io_other_esp() {
	if [ "$1" = aes256gcm16 ]; then echo aes128-sha256; else echo aes256gcm16; fi
}

# io_cpe_behind_nat: the CPE namespace rewrites the source port of its IKE packets (500 -> 1500, 4500 -> 14500) as a
#   NAT would: both sides' NAT detection sees it, and the controller answers at the rewritten ports (conntrack maps
#   them back). Recorded in result.txt (nat_ports).
io_cpe_behind_nat() {
	local p
	for p in 500:1500 4500:14500; do
		ip netns exec "$IO_NS_CPE" iptables -t nat -A POSTROUTING -o veth-c -p udp --sport "${p%:*}" \
			-j SNAT --to-source "$IO_ADDR_CPE:${p#*:}" || return 1
	done
	io_result nat_ports "500->1500 4500->14500"
	ip netns exec "$IO_NS_CPE" iptables -t nat -S POSTROUTING >"$IO_EVIDENCE/nat-rules.txt" 2>&1
}

# io_daemon_start NAME NETNS ARGS...: starts our daemon NAME (agent|controller) in NETNS in the
#   foreground mode, stderr+stdout to $SW_WORKDIR/NAME.log; `ip netns exec` execs, so $! is the
#   daemon itself. Fails if it exits within the first 0.5 s.
io_daemon_start() {
	local name=$1 ns=$2 bin
	shift 2
	case $name in agent) bin=$IO_AGENT_BIN ;; controller) bin=$IO_CONTROLLER_BIN ;; esac
	IO_DAEMON_NAME=$name
	IO_DAEMON_BIN=$bin
	ip netns exec "$ns" "$bin" "$@" >"$SW_WORKDIR/$name.log" 2>&1 </dev/null &
	IO_DAEMON_PID=$!
	SW_PIDS+=("$IO_DAEMON_PID")
	echo "$IO_DAEMON_PID $bin" >>"$IO_EVIDENCE/pids"
	io_result daemon_cmd "$bin $*"
	local i
	for ((i = 0; i < 5; i++)); do
		sleep 0.1
		if ! kill -0 "$IO_DAEMON_PID" 2>/dev/null; then
			local rc=0
			wait "$IO_DAEMON_PID" || rc=$?
			io_result daemon_exit_early "$rc"
			io_log "mpsa-$name exited at start (exit $rc):"
			tail -20 "$SW_WORKDIR/$name.log" >&2
			sw_forget_pid "$IO_DAEMON_PID"
			IO_DAEMON_PID=""
			return 1
		fi
	done
}

# io_daemon_status: prints `mpsa-NAME status --json --config CONF` (run in the daemon's netns
#   is not needed: the control socket is a path); returns its exit status
io_daemon_status() {
	timeout 10 "$IO_DAEMON_BIN" status --json --config "$IO_DAEMON_CONF" 2>"$SW_WORKDIR/status.err"
}

# io_daemon_stop: SIGTERM, up to 5 s, then SIGKILL; records the exit status
io_daemon_stop() {
	[ -n "$IO_DAEMON_PID" ] || return 0
	local i rc=0
	kill -TERM "$IO_DAEMON_PID" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$IO_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$IO_DAEMON_PID" 2>/dev/null; then
		kill -KILL "$IO_DAEMON_PID" 2>/dev/null || true
		io_result daemon_stop "killed: no exit within 5 s of SIGTERM"
	fi
	wait "$IO_DAEMON_PID" 2>/dev/null || rc=$?
	io_result daemon_exit "$rc"
	sw_forget_pid "$IO_DAEMON_PID"
	IO_DAEMON_PID=""
}

# io_snapshot: status JSON and swanctl --list-sas of every charon instance, into the evidence
io_snapshot() {
	if [ -n "$IO_DAEMON_PID" ]; then
		io_daemon_status >"$IO_EVIDENCE/$IO_DAEMON_NAME-status.json" ||
			io_result status_error "$(head -c 500 "$SW_WORKDIR/status.err" | tr '\n' ' ')"
	fi
	local d n
	for d in "$SW_WORKDIR"/*/; do
		[ -f "$d/strongswan.conf" ] || continue
		n=$(basename "$d")
		[ -f "$d/pid" ] && sw_list_sas "$n" >"$IO_EVIDENCE/list-sas-$n.txt" 2>&1
	done
}

# io_collect: copies logs and configs into the evidence directory (idempotent)
io_collect() {
	[ -n "$IO_EVIDENCE" ] && [ -n "$SW_WORKDIR" ] && [ -d "$SW_WORKDIR" ] || return 0
	local d n f
	for d in "$SW_WORKDIR"/*/; do
		[ -f "$d/strongswan.conf" ] || continue
		n=$(basename "$d")
		for f in charon.log charon.out strongswan.conf swanctl.conf initiate.out swanctl-load.out; do
			[ -f "$d/$f" ] && cp "$d/$f" "$IO_EVIDENCE/$n.${f}"
		done
	done
	for f in agent.log controller.log agent.conf controller.conf; do
		[ -f "$SW_WORKDIR/$f" ] && cp "$SW_WORKDIR/$f" "$IO_EVIDENCE/$f"
	done
	return 0
}

# io_finish: EXIT trap: stop the daemon (so its last log lines are written), stop charons, copy
# the evidence, remove namespaces, processes and the work dir
io_finish() {
	local rc=$?
	trap - EXIT INT TERM
	io_mark finish
	io_daemon_stop
	io_mark daemon_stopped
	local d
	for d in "$SW_WORKDIR"/*/; do
		[ -f "$d/pid" ] && sw_instance_stop "$(basename "$d")"
	done
	[ -n "${IO_PCAP_PID:-}" ] && sw_capture_stop "$IO_PCAP_PID"
	io_mark stopped
	io_collect
	sw_cleanup
	io_result elapsed_s "$(awk -v a="$IO_STARTED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
	exit "$rc"
}

# io_wait SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds; 1 on timeout
io_wait() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) + secs * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# io_json_has_object FILE KEY: the JSON in FILE has "KEY": { (i.e. KEY is not null)
io_json_has_object() {
	tr -d '\n' <"$1" 2>/dev/null | grep -Eq "\"$2\"[[:space:]]*:[[:space:]]*\{"
}
