#!/usr/bin/env bash
# bench/run.sh — everything `make bench` measures, in one run on this machine, then bench/RESULTS.md rewritten
# between its bench markers. Needs root (namespaces, charon). Not part of `make test`: timings are never assertions.
#
#  1. handshake rate: the generator (bench/Mpsa.Bench) in one namespace, a responder in another, joined by a veth:
#     charon then mpsa-controller (BENCH_ROUNDS times, alternating), on the same cores, for x25519 and for modp2048; x25519 once more
#     with the responder on core 1 and the generator on core 0 (each responder gets one whole core, the generator another);
#     then (part pq) the hybrid suite x25519 + ML-KEM-768 against a strongSwan 6 responder (Debian's 5.9 has no ML-KEM);
#  2. rekey fan-out with 1,000 and 10,000 simulated CPEs on loopback, RSS per connected CPE, restart storm;
#  3. footprint: the NativeAOT agent and a minimal charon initiator, both connected to one controller;
#  4. size: the agent binaries as published (out/agent/<arch>[-openssl]), the PSK one broken down by assembly and
#     namespace from its NativeAOT map (bench/lib/size-breakdown.py);
#  5. cluster (issue 16): the rekey fan-out of BENCH_CLUSTER CPEs with 1 standalone controller, then with 3 replicas in
#     cluster mode (3 etcd members on loopback), RSS per CPE of each replica, and the key leader killed twice (during a
#     fan-out, and just before its timer rekey); its own section of RESULTS.md (between the bench-cluster markers) is
#     rewritten whenever this part runs, alone (BENCH_PARTS=cluster) or with the others;
# and, above the tables, which of issue 15's targets the run meets.
# Sizes by environment: BENCH_ROUNDS (3: handshake runs per responder, alternating), BENCH_HANDSHAKES (3000), BENCH_MODP_HANDSHAKES (500), BENCH_HYBRID_HANDSHAKES (1000), BENCH_CONCURRENCY (64), BENCH_FANOUT ("1000 10000"),
# BENCH_CLUSTER (10000), BENCH_LEASE_TTL (10, seconds: lease_ttl of the replicas).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=../tests/interop/strongswan-lib.sh
. tests/interop/strongswan-lib.sh
# shellcheck source=lib/charon-bench.sh
. bench/lib/charon-bench.sh

HANDSHAKES=${BENCH_HANDSHAKES:-3000}
MODP_HANDSHAKES=${BENCH_MODP_HANDSHAKES:-500}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
FANOUT=${BENCH_FANOUT:-"1000 10000"}
CLUSTER=${BENCH_CLUSTER:-10000}
LEASE_TTL=${BENCH_LEASE_TTL:-10}
ROUNDS=${BENCH_ROUNDS:-3}
ALL_PARTS="handshake pq fanout footprint size cluster"
PARTS=${BENCH_PARTS:-$ALL_PARTS}   # a subset for trying one part; RESULTS.md is rewritten only by all of them (cluster: its own section)
PSK=mpsa-bench-psk-0123456789
SUITE_X25519=chacha20poly1305-prfsha256-x25519
SUITE_MODP=chacha20poly1305-prfsha256-modp2048
SUITE_HYBRID=chacha20poly1305-prfsha256-x25519-ke1_mlkem768
HYBRID_HANDSHAKES=${BENCH_HYBRID_HANDSHAKES:-1000}
HUB=10.93.0.1 CPE=10.93.0.2
BENCH=(dotnet "$root/bench/Mpsa.Bench/bin/Release/net10.0/mpsa-bench.dll")
# The controller as the .deb ships it (make deb-host: self-contained and trimmed, so no ReadyToRun code: the JIT compiles
# every method, the runtime's too, fully optimized); BENCH_CONTROLLER: another build for a before/after.
CTL=${BENCH_CONTROLLER:-$root/out/controller/$(dpkg --print-architecture)/mpsa-controller}
export BENCH_CONTROLLER=$CTL
AGENT=$root/out/agent/x86_64/mpsa-agent

sw_init
W=$SW_WORKDIR
results=$W/results.txt
: >"$results"
CTL_PID=""
stop_controller() {
	[ -n "$CTL_PID" ] || return 0
	kill -TERM "$CTL_PID" 2>/dev/null || true
	wait "$CTL_PID" 2>/dev/null || true
	CTL_PID=""
}
trap 'stop_controller; sw_cleanup' EXIT

say() { echo "bench: $*" >&2; }
# record COMMAND_TEXT < RESULT lines: keeps each RESULT line with the command that made it
record() {
	local command=$1 line
	while IFS= read -r line; do
		echo "$line" >&2
		case "$line" in RESULT*) printf '%s\tcommand=%s\n' "$line" "$command" >>"$results" ;; esac
	done
}

dotnet build bench/Mpsa.Bench -c Release -nologo -v q -clp:NoSummary >/dev/null
[ -x "$CTL" ] || { say "no controller at $CTL (make deb-host)"; exit 1; }
ns_hub=mpsab-hub-$$ ns_cpe=mpsab-cpe-$$
sw_netns_pair_create "$ns_hub" "$ns_cpe" veth-h veth-c "$HUB" "$CPE" fd00:293::1 fd00:293::2

# start_controller CONFIG LOG: mpsa-controller in the hub namespace; returns once it listens
start_controller() {
	ip netns exec "$ns_hub" "$CTL" run --config "$1" >"$2" 2>&1 &
	CTL_PID=$!
	for _ in $(seq 100); do grep -q "listening on" "$2" && return 0; sleep 0.1; done
	say "controller did not start: $(tail -3 "$2")"; return 1
}

handshake() {    # handshake SUITE COUNT [1core] (HANDSHAKE_EXTRA: more generator options)
	local suite=$1 count=$2 pin=${3:-} warm=200 round
	local args=(handshake --target "$HUB:500" --count "$count" --warmup "$warm" --concurrency "$CONCURRENCY" --ike "$suite" --psk "$PSK" ${HANDSHAKE_EXTRA:-})
	# 1core: the responder on core 1, the generator on core 0, so that neither takes CPU from the other
	local gen=() tag=""
	if [ "$pin" = 1core ]; then
		gen=(taskset -c 0)
		tag="pinned=1core "
	fi
	# ROUNDS times charon then the controller, each started afresh: the host's drift falls on both, and
	# render-results.sh sums the rounds (one round of 3,000 setups is about half a second of CPU)
	for round in $(seq "$ROUNDS"); do
		say "handshake $suite ${pin:+($pin)}, round $round of $ROUNDS: charon responder"
		cb_responder_start charon-resp "$ns_hub" "$HUB" "$suite" "$PSK"
		local charon_pid
		charon_pid=$(cat "$(sw_instance_dir charon-resp)/pid")
		[ -z "$pin" ] || taskset -a -p -c 1 "$charon_pid" >/dev/null
		"${gen[@]}" ip netns exec "$ns_cpe" "${BENCH[@]}" "${args[@]}" --label charon --responder-pid "$charon_pid" \
			| sed "s/^RESULT handshake /RESULT handshake ${tag}round=$round /" \
			| record "${gen[*]:+${gen[*]} }ip netns exec CPE mpsa-bench ${args[*]} --label charon${pin:+ (charon: taskset -a -p -c 1)}${CB_WHO:+ ($CB_WHO)}"
		sw_instance_stop charon-resp
		say "handshake $suite ${pin:+($pin)}, round $round of $ROUNDS: mpsa-controller"
		"${BENCH[@]}" config --count $((count + warm)) --listen "$HUB:500" --ike "$suite" --control-socket "$W/hs.sock" --out "$W/hs.conf"
		start_controller "$W/hs.conf" "$W/hs-$suite.log"
		[ -z "$pin" ] || taskset -a -p -c 1 "$CTL_PID" >/dev/null
		"${gen[@]}" ip netns exec "$ns_cpe" "${BENCH[@]}" "${args[@]}" --label mpsa-controller --responder-pid "$CTL_PID" \
			| sed "s/^RESULT handshake /RESULT handshake ${tag}round=$round /" \
			| record "${gen[*]:+${gen[*]} }ip netns exec CPE mpsa-bench ${args[*]} --label mpsa-controller${pin:+ (controller: taskset -a -p -c 1)}"
		stop_controller
	done
}

part() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if part handshake; then
	handshake "$SUITE_X25519" "$HANDSHAKES"
	[ "$(nproc)" -lt 2 ] || handshake "$SUITE_X25519" "$HANDSHAKES" 1core
	handshake "$SUITE_MODP" "$MODP_HANDSHAKES"
fi

# The hybrid suite (X25519 + ML-KEM-768 through IKE_INTERMEDIATE): Debian's charon 5.9 has no ML-KEM, so the baseline is
# strongSwan 6 with its ml plugin (packaging/build/strongswan6.sh, built once into the tools cache). Childless IKE SAs
# (RFC 6023) for both responders: strongSwan 6's kernel-libipsec installs no CHILD_SA on this kernel (it wants ESP in
# UDP, which its responder does not choose without a NAT), so the rows measure IKE_SA_INIT, IKE_INTERMEDIATE, IKE_AUTH.
if part pq; then
	if sw6=$(packaging/build/strongswan6.sh); then
		saved=("$SW_CHARON" "$SW_SWANCTL")
		SW_CHARON=$sw6/libexec/ipsec/charon SW_SWANCTL=$sw6/sbin/swanctl CB_EXTRA_PLUGINS="ml " HANDSHAKE_EXTRA="--childless yes" CB_WHO="charon: $("$sw6/libexec/ipsec/charon" --version)"
		handshake "$SUITE_HYBRID" "$HYBRID_HANDSHAKES"
		SW_CHARON=${saved[0]} SW_SWANCTL=${saved[1]} CB_EXTRA_PLUGINS="" HANDSHAKE_EXTRA="" CB_WHO=""
	else
		say "pq: no strongSwan 6 (packaging/build/strongswan6.sh), no hybrid handshake rows"
	fi
fi

part fanout && for n in $FANOUT; do
	say "fan-out and restart storm with $n CPEs (loopback of the hub namespace)"
	args=(fanout --controller "$CTL" --dir "$W/fanout-$n" --port 500 --count "$n" --concurrency "$CONCURRENCY" --rekeys 3 --storm yes)
	ip netns exec "$ns_hub" "${BENCH[@]}" "${args[@]}" | record "ip netns exec HUB mpsa-bench ${args[*]}"
done

part footprint && bench/lib/footprint.sh "$ns_hub" "$ns_cpe" "$HUB" "$CPE" "$W" | record "bench/lib/footprint.sh (agent and minimal charon initiator)"

if part size; then
	for dir in out/agent/*/; do
		[ -f "$dir/build-info" ] || continue
		info() { sed -n "s/^$1=//p" "$dir/build-info"; }
		# gzip -9 (what the .ipk/.apk carry) and xz -9 (about what a squashfs image stores) of the binary as well
		printf 'RESULT size arch=%s package=%s binary=%s libsodium=%s gzip=%s xz=%s\tcommand=%s\n' "$(info arch)" "$(info package)" \
			"$(stat -c %s "$dir/mpsa-agent")" "$(stat -c %s "$dir/libsodium.so")" \
			"$(gzip -9c "$dir/mpsa-agent" | wc -c)" "$(xz -9c "$dir/mpsa-agent" | wc -c)" \
			"packaging/build/publish-agent.sh $(info arch) $(info flavour); stat -c %s ${dir}mpsa-agent" >>"$results"
	done
	map=out/build/x86_64/obj/mpsa-agent.map.xml
	[ -f "$map" ] && bench/lib/size-breakdown.py "$map" out/agent/x86_64/mpsa-agent --label "mpsa-agent, x86_64" >"$W/size-breakdown.md"
fi

if part cluster; then
	say "rekey fan-out of $CLUSTER CPEs: 1 standalone controller, then 3 replicas in cluster mode (3 etcd on the hub's loopback)"
	args=(cluster --controller "$CTL" --dir "$W/cluster" --port 500 --count "$CLUSTER" --concurrency "$CONCURRENCY" --rekeys 3 --lease-ttl "$LEASE_TTL")
	ip netns exec "$ns_hub" "${BENCH[@]}" "${args[@]}" | record "ip netns exec HUB mpsa-bench ${args[*]}" \
		|| say "cluster: not every CPE connected or rekeyed (see the RESULT lines; logs in $W/cluster)"
	grep '^RESULT cluster_' "$results" >"${BENCH_CLUSTER_RAW:-bench/cluster-last-run.txt}"
	bench/lib/render-results.sh --cluster "$results" "$(nproc)" "BENCH_PARTS=\"$PARTS\" BENCH_CLUSTER=$CLUSTER BENCH_LEASE_TTL=$LEASE_TTL bash bench/run.sh" >"$W/cluster.md"
	grep -q '<!-- bench-cluster:begin -->' bench/RESULTS.md || { say "no bench-cluster markers in bench/RESULTS.md"; cat "$W/cluster.md"; exit 1; }
	awk -v section="$W/cluster.md" '
		/<!-- bench-cluster:begin -->/ { print; while ((getline l < section) > 0) print l; skip = 1; next }
		/<!-- bench-cluster:end -->/ { skip = 0 }
		!skip' bench/RESULTS.md >"$W/RESULTS-cluster.md"
	cp "$W/RESULTS-cluster.md" bench/RESULTS.md
	say "bench/RESULTS.md: cluster section rewritten"
fi

# the cluster part alone leaves last-run.txt (the lines of the other parts' section) as it is
[ "$PARTS" = cluster ] && [ -z "${BENCH_RAW:-}" ] && exit 0
cp "$results" "${BENCH_RAW:-bench/last-run.txt}"
[ "$PARTS" = "$ALL_PARTS" ] || { say "partial run: raw lines in ${BENCH_RAW:-bench/last-run.txt}, the main section of RESULTS.md unchanged"; exit 0; }
bench/lib/render-results.sh "$results" "$(nproc)" "$W/size-breakdown.md" >"$W/section.md"
awk -v section="$W/section.md" '
	/<!-- bench:begin -->/ { print; while ((getline l < section) > 0) print l; skip = 1; next }
	/<!-- bench:end -->/ { skip = 0 }
	!skip' bench/RESULTS.md >"$W/RESULTS.md"
cp "$W/RESULTS.md" bench/RESULTS.md
say "bench/RESULTS.md rewritten"
