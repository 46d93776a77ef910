#!/usr/bin/env bash
# bench/soak.sh — `make soak`: the packaged agent (out/agent/x86_64/mpsa-agent, NativeAOT, --dry-run kernel) and
# mpsa-controller on loopback with accelerated timers (a group SA every ~6 s, liveness every 5 s) for SOAK_MINUTES
# (default 30), the controller also carrying SOAK_MEMBERS (default 1000) simulated CPEs of the same group (`mpsa-bench
# hold`: each answers every MPSA_PUT and liveness check, as the agent does). Every SOAK_SAMPLE seconds (default 30) the RSS of both processes and the agent's own view (status
# --json `memory`: GC heap, bytes allocated since start) are sampled. Writes bench/soak.svg (RSS over time) and the
# section between the soak markers of bench/RESULTS.md: the table, and the slope of each RSS over the second half.
# Not part of `make test`: nothing here is asserted. Needs the agent published (make agent) and the build (make build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
minutes=${SOAK_MINUTES:-30}
every=${SOAK_SAMPLE:-30}
members=${SOAK_MEMBERS:-1000}
BENCH=(dotnet "$root/bench/Mpsa.Bench/bin/Release/net10.0/mpsa-bench.dll")
CTL=$root/controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller
AGENT=${SOAK_AGENT:-$root/out/agent/x86_64/mpsa-agent}
[ -x "$AGENT" ] || { echo "soak: no agent at $AGENT (make agent)" >&2; exit 1; }
[ -x "$CTL" ] || { echo "soak: no controller at $CTL (make build)" >&2; exit 1; }
[ "$members" -eq 0 ] || dotnet build "$root/bench/Mpsa.Bench" -c Release -nologo -v q -clp:NoSummary >/dev/null
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
port=$((30000 + RANDOM % 20000))

cat >"$work/controller.conf" <<CONF
[controller]
identity = controller.soak
listen = 127.0.0.1:$port
control_socket = $work/ctl.sock
state_dir = $work/controller-state
install_child_sa = no
log_level = info
# the simulated members all come from 127.0.0.1: lift the per-address and total bounds
max_ike_sas = 1000000
max_ike_sas_per_address = 1000000
max_half_open = 1000000
cookie_threshold = 1000000
[group soak]
esp = aes256-sha256
lifetime = 12s
rekey_margin = 6s
roll1 = 2s
roll2 = 4s
[member cpe1]
identity = cpe1.soak
psk = "soak-psk-0123456789"
group = soak
CONF
for i in $(seq 0 $((members - 1))); do
	printf '[member sim%d]\nidentity = sim%d.soak\npsk = "soak-psk-0123456789"\ngroup = soak\n' "$i" "$i"
done >>"$work/controller.conf"
cat >"$work/agent.conf" <<CONF
[agent]
identity = cpe1.soak
psk = "soak-psk-0123456789"
local_address = 127.0.0.1
local_port = $((port + 1))
control_socket = $work/agent.sock
liveness_interval = 5s
log_level = warning
[controller]
address = 127.0.0.1
port = $port
identity = controller.soak
CONF

"$CTL" run --config "$work/controller.conf" >"$work/controller.log" 2>&1 &
ctl=$!
pids+=("$ctl")
sleep 1
"$AGENT" run --dry-run --config "$work/agent.conf" >"$work/agent.log" 2>&1 &
agent=$!
pids+=("$agent")
if [ "$members" -gt 0 ]; then
	"${BENCH[@]}" hold --target "127.0.0.1:$port" --count "$members" --ids "sim{i}.soak" --psk "soak-psk-0123456789" \
		--responder-id controller.soak --esp aes256-sha256 >"$work/hold.log" 2>&1 &
	pids+=("$!")
	for _ in $(seq 600); do grep -q "^RESULT hold" "$work/hold.log" && break; sleep 0.5; done
	echo "soak: $(grep "^RESULT hold" "$work/hold.log" || echo "the simulated members did not connect: $(tail -n 3 "$work/hold.log")")" >&2
fi

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# the agent's RSS in two parts: its own memory (heap, stacks) and resident pages of its files (code, read-only data)
rss_anon() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
rss_file() { awk '/^RssFile/ {print $2}' "/proc/$1/status"; }
samples=$work/samples.tsv
echo -e "seconds\tagent_rss_kb\tagent_heap_kb\tagent_allocated_kb\tcontroller_rss_kb\trekeys\tagent_anon_kb\tagent_file_kb" >"$samples"
start=$SECONDS
end=$((start + minutes * 60))
echo "soak: $minutes min, a sample every $every s (agent pid $agent, controller pid $ctl)" >&2
while :; do
	t=$((SECONDS - start))
	kill -0 "$agent" 2>/dev/null || { echo "soak: the agent died (log: $(tail -n 3 "$work/agent.log"))" >&2; exit 1; }
	# the RSS first: the status command below faults in the code that answers it (back 2 s later)
	agent_rss=$(rss "$agent") agent_anon=$(rss_anon "$agent") agent_file=$(rss_file "$agent")
	json=$("$AGENT" status --json --config "$work/agent.conf" 2>/dev/null || echo '{}')
	heap=$(jq -r '(.memory.gc_heap_bytes // 0) / 1024 | floor' <<<"$json")
	alloc=$(jq -r '(.memory.allocated_bytes // 0) / 1024 | floor' <<<"$json")
	rekeys=$(grep -c 'rekey to SA' "$work/controller.log" || true)
	printf '%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n' "$t" "$agent_rss" "$heap" "$alloc" "$(rss "$ctl")" "$rekeys" \
		"$agent_anon" "$agent_file" >>"$samples"
	tail -n 1 "$samples" >&2
	[ "$SECONDS" -ge "$end" ] && break
	sleep "$every"
done

"$root/bench/lib/soak-render.sh" "$samples" "$root/bench/soak.svg" >"$work/section.md"
{
	echo "Command: \`make soak SOAK_MINUTES=$minutes SOAK_MEMBERS=$members\` ($(date -u +%Y-%m-%d), $(nproc) cores; agent $(basename "$AGENT"), $(stat -c %s "$AGENT") bytes; the controller with $members simulated members beside the agent: $(grep -o "ok=[0-9]*" "$work/hold.log" 2>/dev/null || echo none) connected, $(tail -n 1 "$work/hold.log" 2>/dev/null) at the end)."
	echo
	cat "$work/section.md"
} >"$work/section-full.md"
awk -v f="$work/section-full.md" '
	/<!-- soak:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
	/<!-- soak:end -->/ { skip = 0 }
	!skip' "$root/bench/RESULTS.md" >"$work/RESULTS.md"
grep -q '<!-- soak:begin -->' "$root/bench/RESULTS.md" || { echo "soak: no soak markers in bench/RESULTS.md" >&2; cat "$work/section-full.md"; exit 1; }
cp "$work/RESULTS.md" "$root/bench/RESULTS.md"
cat "$work/section-full.md"
