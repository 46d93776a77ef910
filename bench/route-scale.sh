#!/usr/bin/env bash
# bench/route-scale.sh — `make bench-routes`: how fast mpsa-agent turns a routing table into XFRM states and policies,
# on a real kernel (the netlab's User-Mode Linux, tests/netlab/README.md). 500 peers x 10 prefixes = 5,000 routes in
# cpe1's table 100 (route_table = 100, tunnel mode), against the kernel alone doing the same work with `ip -batch`
# in the same UML boot. Each run is one UML boot running bench/lib/route-scale-uml.sh (its header describes the
# phases); runs go one after the other (never two UMLs at once: the cores are shared).
#
#   bench/route-scale.sh [RUNS]        RUNS default 3 (ROUTE_BENCH_RUNS)
#
# Environment: ROUTE_BENCH_PEERS (500), ROUTE_BENCH_PREFIXES (10 per peer), ROUTE_BENCH_STALL (30 s without progress
# ends a phase as incomplete), ROUTE_BENCH_WRITE (1: rewrite the section between the routes markers of
# bench/RESULTS.md; 0: only print), ROUTE_BENCH_REPORT (1: no runs, the table from bench/route-scale-last.txt as an
# earlier invocation left it). Raw output of every run in bench/route-scale-last.txt.
# Needs root, user-mode-linux and the Release build (make build). Not part of `make test`: nothing is asserted
# about times; a run whose counts come out wrong is reported, not hidden (complete=no, missing=..., drops=...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-${ROUTE_BENCH_RUNS:-3}}
peers=${ROUTE_BENCH_PEERS:-500}
prefixes=${ROUTE_BENCH_PREFIXES:-10}
write=${ROUTE_BENCH_WRITE:-1}
raw=$root/bench/route-scale-last.txt
agent=$root/agent/Mpsa.Agent/bin/Release/net10.0/mpsa-agent
[ -x "$agent" ] || { echo "route-scale: no agent build at $agent (make build)" >&2; exit 1; }

say() { echo "route-scale: $*" >&2; }
[ "${ROUTE_BENCH_REPORT:-0}" = 1 ] && runs=0
[ "$runs" = 0 ] || : >"$raw"
for ((r = 1; r <= runs; r++)); do
	say "run $r of $runs: $peers peers x $prefixes prefixes (one UML boot, about 6 min)"
	rc=0
	NETLAB_RB_RUN=$r NETLAB_RB_PEERS=$peers NETLAB_RB_PREFIXES=$prefixes NETLAB_RB_STALL=${ROUTE_BENCH_STALL:-30} \
		tests/netlab/uml-run.sh --timeout 1800 bench/lib/route-scale-uml.sh >>"$raw" 2>&1 || rc=$?
	grep "^RESULT route-scale run=$r " "$raw" | sed 's/^RESULT route-scale //' >&2 || true
	[ "$rc" = 0 ] || say "run $r ended with status $rc (output in $raw)"
done

# table: one column per run, a median column; times in s. Ratios: agent / kernel alone (the mean of the baseline at
# the start and at the end of the same run).
table() {
	grep '^RESULT route-scale ' "$raw" | sed 's/^RESULT route-scale //' | awk -v runs="$runs" -v routes="$((peers * prefixes))" -v peers="$peers" '
	{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		r = f["run"]; p = f["phase"]
		for (k in f) v[r, p, k] = f[k]
		delete f
	}
	function base(r, k) { return (v[r, "base-start", k] + v[r, "base-end", k]) / 2 }
	function row(label, key,   r, line, n, a, i, j, t) {
		line = "| " label; n = 0
		for (r = 1; r <= runs; r++) {
			if ((r, key) in val) { line = line " | " val[r, key]; if (val[r, key] ~ /^[0-9.]+$/) a[++n] = val[r, key] + 0 } else line = line " | -"
		}
		# median of the numeric values
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		med = n == 0 ? "-" : sprintf("%.2f", n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
		if (key ~ /exact/) {       # words, not times: the common value, or none
			med = ""
			for (r = 1; r <= runs; r++) if ((r, key) in val) med = med == "" ? val[r, key] : (med == val[r, key] ? med : "differ")
		}
		print line " | " med " |"
	}
	function exact(r, p) {
		if (!((r, p, "complete") in v)) return "-"
		return v[r, p, "complete"] == "yes" && v[r, p, "missing_states"] + v[r, p, "missing_policies"] + v[r, p, "extra_states"] + v[r, p, "extra_policies"] == 0 ? "yes" : \
			sprintf("NO (missing %d st/%d pol, extra %d st/%d pol)", v[r, p, "missing_states"], v[r, p, "missing_policies"], v[r, p, "extra_states"], v[r, p, "extra_policies"])
	}
	END {
		for (r = 1; r <= runs; r++) {
			if (!((r, "base-start", "routes_add") in v)) continue
			ba = base(r, "routes_add") + base(r, "states_add") + base(r, "policies_add")
			bd = base(r, "routes_del") + base(r, "policies_del") + base(r, "states_del")
			val[r, "ba"] = sprintf("%.2f", ba); val[r, "bd"] = sprintf("%.2f", bd)
			val[r, "bs"] = sprintf("%.2f", base(r, "states_add"))
			split("a a2", adds, " ")
			for (i in adds) { p = adds[i]
				if (!((r, p, "done") in v)) continue
				val[r, p] = v[r, p, "done"]; val[r, p "_ratio"] = sprintf("%.2f", v[r, p, "done"] / ba)
				val[r, p "_ip"] = v[r, p, "ip_batch"]; val[r, p "_lag"] = sprintf("%.2f", v[r, p, "done"] - v[r, p, "ip_batch"])
				if (v[r, p, "complete"] != "yes") { val[r, p] = "never (gave up at " v[r, p, "done"] ")"; val[r, p "_ratio"] = val[r, p "_lag"] = "-" }
				val[r, p "_cpu"] = v[r, p, "agent_cpu"]; val[r, p "_exact"] = exact(r, p)
			}
			split("c c-flush", dels, " ")
			for (i in dels) { p = dels[i]
				if (!((r, p, "done") in v)) continue
				val[r, p] = v[r, p, "done"]; val[r, p "_ratio"] = sprintf("%.2f", v[r, p, "done"] / bd)
				val[r, p "_ip"] = v[r, p, "ip_batch"]; val[r, p "_cpu"] = v[r, p, "agent_cpu"]
				if (v[r, p, "complete"] != "yes") { val[r, p] = "never (gave up at " v[r, p, "done"] ")"; val[r, p "_ratio"] = "-" }
				val[r, p "_exact"] = (v[r, p, "complete"] == "yes" && v[r, p, "extra_states"] + v[r, p, "extra_policies"] == 0) ? "yes" : \
					sprintf("NO (%d states, %d policies left)", v[r, p, "states_left"], v[r, p, "out_policies_left"])
			}
			if ((r, "b", "done") in v) {
				val[r, "b_sa"] = v[r, "b", "sa"]; val[r, "b_pol"] = v[r, "b", "route_policies_at"]; val[r, "b"] = v[r, "b", "done"]
				val[r, "b_after"] = sprintf("%.2f", v[r, "b", "done"] - v[r, "b", "sa"])
				val[r, "b_ratio"] = sprintf("%.2f", (v[r, "b", "done"] - v[r, "b", "sa"]) / base(r, "states_add"))
				val[r, "b_exact"] = exact(r, "b")
				if (v[r, "b", "complete"] != "yes") { val[r, "b"] = "never (gave up at " v[r, "b", "done"] ")"; val[r, "b_after"] = val[r, "b_ratio"] = "-" }
			}
			val[r, "sa0"] = v[r, "start-empty", "sa"]
			val[r, "stop"] = v[r, "stop", "stop"]
			d = ""; o = 0
			split("a c a2 c-flush b", all, " ")
			for (i = 1; i <= 5; i++) { p = all[i]; split(v[r, p, "socket_drops"], dd, "/"); d = d (d == "" ? "" : " ") (dd[2] == "" ? dd[1] : dd[2]); o += v[r, p, "log_overrun_lines"] }
			val[r, "drops_exact"] = d; val[r, "over_exact"] = o
		}
		hdr = "| | "; sep = "|---|"
		for (r = 1; r <= runs; r++) { hdr = hdr "run " r " | "; sep = sep "---:|" }
		print hdr "median |"; print sep "---:|"
		row("kernel alone: `ip -batch` routes + states + policies, add (s)", "ba")
		row("(a) routes added while the agent runs: `ip -batch` returned (s)", "a_ip")
		row("(a) ... all states and policies in the kernel (s)", "a")
		row("(a) **agent / kernel alone**", "a_ratio")
		row("(a) lag after the last route was in the table (s)", "a_lag")
		row("(a) agent CPU (s)", "a_cpu")
		row("(a2) the same again: all in the kernel (s)", "a2")
		row("(a2) **agent / kernel alone**", "a2_ratio")
		row("kernel alone: `ip -batch` routes + policies + states, delete (s)", "bd")
		row("(c) `ip -batch` of " routes " `route del`: returned (s)", "c_ip")
		row("(c) ... all states and policies gone (s)", "c")
		row("(c) **agent / kernel alone**", "c_ratio")
		row("(c) agent CPU (s)", "c_cpu")
		row("(c-flush) `ip route flush table 100`: returned (s)", "c-flush_ip")
		row("(c-flush) ... all gone (s)", "c-flush")
		row("(c-flush) agent / kernel alone", "c-flush_ratio")
		row("agent start, empty table: group SA (s)", "sa0")
		row("(b) agent start, full table: route policies in (s)", "b_pol")
		row("(b) ... group SA (inbound state) in (s)", "b_sa")
		row("(b) ... all states and policies in (s)", "b")
		row("(b) after the group SA (s)", "b_after")
		row("(b) after the SA / kernel alone adding the " peers " states", "b_ratio")
		row("stop (SIGTERM) with everything installed (s)", "stop")
		row("exact at the end of (a)", "a_exact")
		row("exact at the end of (c)", "c_exact")
		row("exact at the end of (a2)", "a2_exact")
		row("exact at the end of (c-flush)", "c-flush_exact")
		row("exact at the end of (b)", "b_exact")
		row("route socket drops after a, c, a2, c-flush, b (/proc/net/netlink)", "drops_exact")
		row("agent log lines about overruns/lost events", "over_exact")
	}'
}

[ "$runs" != 0 ] || runs=$(sed -n 's/^RESULT route-scale run=\([0-9]*\) .*/\1/p' "$raw" | sort -n | tail -n 1)
tab=$(table)
echo "$tab"
[ "$write" = 1 ] || exit 0

machine="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 + 0.5 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), UML kernel $(grep -m 1 -o 'starting on [^ ]*' "$raw" | cut -d' ' -f3)"
section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
	echo "<!-- routes:begin -->"
	echo "Command: \`bench/route-scale.sh $runs\` ($(date -u +%Y-%m-%d), $machine, shared with other work; $peers peers x $prefixes"
	echo "prefixes = $((peers * prefixes)) routes, agent and controller of this checkout's Release build, log_level = info)."
	echo "Times in seconds of UML uptime, from the start of the \`ip\` command (or of the agent) to the poll that saw the"
	echo "counts right (polls every 0.1 s plus 0.1-0.3 s per poll in UML). Raw lines: \`bench/route-scale-last.txt\`."
	echo
	echo "$tab"
	echo "<!-- routes:end -->"
} >"$section"
if grep -q '<!-- routes:begin -->' bench/RESULTS.md; then
	awk -v f="$section" '
		/<!-- routes:begin -->/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- routes:end -->/ { skip = 0; next }
		!skip' bench/RESULTS.md >bench/RESULTS.md.new && mv bench/RESULTS.md.new bench/RESULTS.md
else
	{ echo; echo "## Routes to states and policies at scale (table written by \`make bench-routes\`, findings below it by hand)"; echo; cat "$section"; } >>bench/RESULTS.md
fi
say "bench/RESULTS.md: routes section rewritten"
