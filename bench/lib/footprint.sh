#!/usr/bin/env bash
# footprint.sh NS_HUB NS_CPE HUB_ADDR CPE_ADDR WORKDIR — the agent's footprint beside a minimal charon initiator.
# One mpsa-controller in NS_HUB with two members: the NativeAOT agent (out/agent/x86_64/mpsa-agent, --dry-run kernel)
# and a charon with the minimal plugin set, both in NS_CPE. Prints RESULT lines:
#   idle RSS of each 15 s after start (IKE SA up, group SA received), and CPU per rekey: the group is then rekeyed
#   every 3 s (rekey_margin = lifetime - 3 s) for three windows of 30 s, and each one's CPU time over a window (summed
#   over its threads, from /proc/PID/task/*/schedstat) is divided by that window's rekeys; the median window is the
#   figure, all three are printed: an upper bound, idle CPU included (the idle CPU over 30 s before is printed beside). FOOTPRINT_PROPOSALS: the agent's IKE proposals (default: its
#   own, the hybrid x25519 + ML-KEM-768 first), e.g. chacha20poly1305-prfsha256-x25519 for the classical comparison.
#   That charon answers each MPSA_PUT as an unknown Notify (an empty INFORMATIONAL response): it installs nothing, so
#   its figure is only the floor of an exchange. What a CHILD_SA rekey costs charon (the issue-15 baseline) is
#   measured afterwards on a pair of charons of its own (cb_child_rekey_pair_start): the hub rekeys every 3 s, the
#   CPE charon's CPU per rekey in three windows of 30 s, the median (RESULT rekeycpu who=charon_child).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ns_hub=$1 ns_cpe=$2 hub=$3 cpe=$4 work=$5/footprint
mkdir -p "$work"
. "$root/tests/interop/strongswan-lib.sh"
. "$root/bench/lib/charon-bench.sh"
sw_init
PSK=mpsa-bench-psk-0123456789
BENCH=(dotnet "$root/bench/Mpsa.Bench/bin/Release/net10.0/mpsa-bench.dll")
CTL=${BENCH_CONTROLLER:-$root/controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller}   # run.sh: the packaged one
AGENT=$root/out/agent/x86_64/mpsa-agent
pids=()
stop_ours() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap 'stop_ours; sw_cleanup' EXIT

conf() {   # conf MARGIN ROLL1 ROLL2
	# the controller's default proposals, as a real one has them: the hybrid first, then the classical suite
	"${BENCH[@]}" config --count 2 --listen "$hub:500" --control-socket "$work/ctl.sock" --no-vendor-id yes \
		--ike "chacha20poly1305-prfsha256-x25519-ke1_mlkem768, chacha20poly1305-prfsha256-x25519" \
		--lifetime 1h --rekey-margin "$1" --roll1 "$2" --roll2 "$3" --out "$work/controller.conf"
}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# anon_kb=... file_kb=...: what of the RSS is the process's own memory, and what are mapped pages of its files
rss_split() { awk '/^RssAnon/ {a = $2} /^RssFile/ {f = $2} END {printf "anon_kb=%d file_kb=%d", a, f}' "/proc/$1/status"; }
# gc_heap_kb=... allocated_kb=...: the agent's managed heap and what it allocated since start (status --json memory)
agent_gc() { "$AGENT" status --json --config "$work/agent.conf" | jq -r '.memory | "gc_heap_kb=\(.gc_heap_bytes / 1024 | floor) allocated_kb=\(.allocated_bytes / 1024 | floor)"'; }
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d", s}'; }
per_rekey() { awk -v ns="$1" -v n="$2" 'BEGIN {printf "%.3f", (n > 0 ? ns / 1e6 / n : 0)}'; }   # per_rekey CPU_NS REKEYS -> ms
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

conf 5m 30s 60s
ip netns exec "$ns_hub" "$CTL" run --config "$work/controller.conf" >"$work/controller.log" 2>&1 &
ctl=$!
pids+=("$ctl")
sleep 1
cb_initiator_start charon-cpe "$ns_cpe" "$cpe" "$hub" cpe1.bench "$PSK"
charon=$(cat "$(sw_instance_dir charon-cpe)/pid")
cat >"$work/agent.conf" <<CONF
[agent]
identity = cpe0.bench
psk = "$PSK"
local_port = 5500
control_socket = $work/agent.sock
log_level = info
${FOOTPRINT_PROPOSALS:+proposals = $FOOTPRINT_PROPOSALS}
[controller]
address = $hub
port = 500
identity = controller.bench
CONF
ip netns exec "$ns_cpe" "$AGENT" run --dry-run --config "$work/agent.conf" >"$work/agent.log" 2>&1 &
agent=$!
pids+=("$agent")
sleep 15
grep -q "group SA" "$work/agent.log" || echo "footprint: the agent holds no group SA: $(tail -3 "$work/agent.log")" >&2
echo "RESULT footprint who=agent rss_kb=$(rss "$agent") $(rss_split "$agent") $(agent_gc) binary=$(stat -c %s "$AGENT")"
echo "RESULT footprint who=charon rss_kb=$(rss "$charon") $(rss_split "$charon") plugins=\"$(awk '/load =/ {$1=$2=""; print substr($0,3); exit}' "$(sw_instance_dir charon-cpe)/strongswan.conf")\""

a0=$(cpu_ns "$agent") c0=$(cpu_ns "$charon")
sleep 30
a1=$(cpu_ns "$agent") c1=$(cpu_ns "$charon")
# 45 s after start: the agent has checked liveness once (30 s quiet), charon has had its own timers run
# (the RSS first: the status call behind agent_gc brings its own code pages back for 2 s)
late_rss="rss_kb=$(rss "$agent") $(rss_split "$agent")"
late_gc=$(agent_gc)
echo "RESULT footprint_late who=agent $late_rss $late_gc"
echo "RESULT footprint_late who=charon rss_kb=$(rss "$charon") $(rss_split "$charon")"
# the rekey window holds the rekeys only: not the status call above, nor the release of its pages 2 s after it, nor
# its request timers (5 s: disposed, but the runtime's timer thread still wakes then and hands a pool thread the check)
sleep 6
before=$(grep -c "acknowledged SA" "$work/controller.log" || true)
conf 3597s 2s 3s
kill -HUP "$ctl"
# three windows of 30 s back to back: one extra event (a collection, a page release) doubles a single window's figure,
# so the table takes the median window (all three are printed)
r0=$(cpu_ns "$agent") s0=$(cpu_ns "$charon") w_agent=() w_charon=()
for _ in 1 2 3; do
	a=$(cpu_ns "$agent") c=$(cpu_ns "$charon") n0=$(grep -c "acknowledged SA" "$work/controller.log" || true)
	sleep 30
	n=$(( $(grep -c "acknowledged SA" "$work/controller.log" || true) - n0 ))
	w_agent+=("$(per_rekey $(( $(cpu_ns "$agent") - a )) "$n")")
	w_charon+=("$(per_rekey $(( $(cpu_ns "$charon") - c )) "$n")")
done
a2=$(cpu_ns "$agent") c2=$(cpu_ns "$charon")
rekeys=$(( $(grep -c "acknowledged SA" "$work/controller.log" || true) - before ))
# what the agent allocated per rekey (status --json before and after the windows; the first status call's own answer
# is counted too, so this is an upper bound)
allocated_kb() { sed -n 's/.*allocated_kb=\([0-9]*\).*/\1/p' <<<"$1"; }
alloc0=$(allocated_kb "$late_gc") alloc1=$(allocated_kb "$(agent_gc)")
for who in agent charon; do
	if [ $who = agent ]; then x0=$a0 x1=$a1 y0=$r0 x2=$a2 w=("${w_agent[@]}"); else x0=$c0 x1=$c1 y0=$s0 x2=$c2 w=("${w_charon[@]}"); fi
	extra=
	[ $who = agent ] && [ "$rekeys" -gt 0 ] && extra=" allocated_kb_per_rekey=$(( (alloc1 - alloc0) / rekeys ))"
	awk -v who=$who -v i=$((x1 - x0)) -v r=$((x2 - y0)) -v n="$rekeys" -v extra="$extra" -v m="$(median3 "${w[@]}")" -v ws="${w[*]}" 'BEGIN {
		gsub(/ /, "/", ws)
		printf "RESULT rekeycpu who=%s rekeys=%d idle_ms_per_30s=%.2f window_ms=%.2f per_rekey_ms=%s windows_per_rekey_ms=%s%s\n", who, n, i / 1e6, r / 1e6, m, ws, extra }'
done

# charon's CPU per CHILD_SA rekey, with the first members stopped so that nothing else runs
stop_ours
sw_instance_stop charon-cpe
rk_hub=mpsab-rkh-$$ rk_cpe=mpsab-rkc-$$
sw_netns_pair_create "$rk_hub" "$rk_cpe" veth-h veth-c 10.93.0.1 10.93.0.2 fd00:294::1 fd00:294::2
if cb_child_rekey_pair_start charon-rk-hub charon-rk-cpe "$rk_hub" "$rk_cpe" 10.93.0.1 10.93.0.2 "$PSK" 3; then
	rk=$(cat "$(sw_instance_dir charon-rk-cpe)/pid")
	rk_log=$(sw_instance_dir charon-rk-cpe)/charon.log
	sleep 5   # past the first rekey (3 s after the CHILD_SA was made)
	w_child=() e_first=$(grep -c "inbound CHILD_SA" "$rk_log" || true) k_first=$(cpu_ns "$rk")
	for _ in 1 2 3; do
		k0=$(cpu_ns "$rk") e0=$(grep -c "inbound CHILD_SA" "$rk_log" || true)
		sleep 30
		w_child+=("$(per_rekey $(( $(cpu_ns "$rk") - k0 )) $(( $(grep -c "inbound CHILD_SA" "$rk_log" || true) - e0 )))")
	done
	e1=$(grep -c "inbound CHILD_SA" "$rk_log" || true) k1=$(cpu_ns "$rk")
	if [ $((e1 - e_first)) -gt 0 ]; then
		awk -v r=$((k1 - k_first)) -v n=$((e1 - e_first)) -v m="$(median3 "${w_child[@]}")" -v ws="${w_child[*]}" 'BEGIN {
			gsub(/ /, "/", ws)
			printf "RESULT rekeycpu who=charon_child rekeys=%d window_ms=%.2f per_rekey_ms=%s windows_per_rekey_ms=%s\n", n, r / 1e6, m, ws }'
	else
		echo "footprint: the charon pair did not rekey in 90 s: $(tail -3 "$rk_log")" >&2
	fi
else
	echo "footprint: the charon pair made no CHILD_SA: $(tail -3 "$(sw_instance_dir charon-rk-cpe)/initiate.out")" >&2
fi
