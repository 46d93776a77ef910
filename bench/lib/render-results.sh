#!/usr/bin/env bash
# render-results.sh RESULTS_FILE CORES [SIZE_BREAKDOWN.md] — the markdown section of bench/RESULTS.md from run.sh's
# RESULT lines (each line: `RESULT kind key=value ...<TAB>command=...`), starting with which of issue 15's targets
# this run meets. Ratios are to the baseline of the same run.
# render-results.sh --cluster RESULTS_FILE CORES COMMAND — the cluster section instead (RESULT cluster_* lines).
set -euo pipefail
if [ "${1:-}" = --cluster ]; then
	file=$2 cores=$3 outer=$4
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
	cat <<HEAD
Machine: $cores cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"),
etcd $(/usr/bin/etcd --version 2>/dev/null | awk '/^etcd Version/ {print $3}') (Debian package); $(date -u +%Y-%m-%d), the cores shared with other work. Command: \`$outer\`
(raw lines in \`bench/cluster-last-run.txt\`), which runs:
HEAD
	awk -F'\t' '/^RESULT cluster_/ { sub(/^command=/, "", $2); print "`" $2 "`"; exit }' "$file"
	cat <<'TEXT'

Both setups in one run, in the hub namespace: first one standalone controller (no `[cluster]`) on 127.0.0.1, then three
replicas in cluster mode on 127.0.0.1, .2 and .3 (the same port, every replica configured with every member, one
`state_key`), with three etcd members on loopback; the CPEs in three equal blocks (`cpe{i}.bench`, the first third on
r0, ...), one generator per replica (the handshakes in flight split between them). A rekey removes a spare member from
every replica's config and SIGHUPs them all: only the key leader (which the spares are connected to) rekeys, the others
read the new SA from etcd, which they poll every second, and push it to their own CPEs. *Trigger to last SA* runs from
the SIGHUP to the last CPE holding the new SA (the generator's clock); *CPU of the controllers* is the CPU time of all
replicas over the round, their reload of the whole member list included. **On these 2 cores the 3 replicas are not a
speed-up**: the three processes (and etcd, and the generators) share the same 2 cores, so the cluster rows show what
clustering costs (the follow interval, three config reloads, the etcd round trips), not what three machines would gain.
TEXT
	awk -F'\t' '
function v(key,   i, n, kv) { n = split($1, f, " "); for (i = 1; i <= n; i++) { split(f[i], kv, "="); if (kv[1] == key) return substr(f[i], length(key) + 2) } return "" }
/^RESULT cluster_connect/ { printf "| %s | %s | initial connect | %s setups/s (%s ok, %s failed), p50 %s ms, p99 %s ms |\n", v("replicas"), v("count"), v("rate"), v("ok"), v("failed"), v("p50_ms"), v("p99_ms") }
/^RESULT cluster_rss/ && !(v("replicas") == 1 && v("replica") == "all") { printf "| %s | %s | RSS of %s | %s kB before its CPEs connected, %s kB after: **%s kB per CPE** |\n", v("replicas"), v("cpes"), (v("replica") == "all" ? "all replicas together" : v("replica") (v("leader") == "yes" ? " (key leader)" : "")), v("rss0_kb"), v("rssN_kb"), v("per_cpe_kb") }
/^RESULT cluster_rekey/ { printf "| %s | %s | rekey %s | trigger to last SA **%s ms** (p50 %s, p90 %s, p99 %s ms), %s CPEs rekeyed; leader logs its own fan-out done in %s ms; CPU of the controllers %s ms = %s us per CPE |\n", v("replicas"), v("count"), v("round"), v("signal_to_last_put_ms"), v("put_p50_ms"), v("put_p90_ms"), v("put_p99_ms"), v("members_rekeyed"), v("leader_logged_ms"), v("controllers_cpu_ms"), v("cpu_us_per_cpe") }
BEGIN { print ""; print "| replicas | CPEs | what | figure |"; print "|---:|---:|---|---|" }
/^RESULT cluster_failover/ { fo[++n] = $1 }
END {
	if (n == 0) exit
	print "\nFailover: SIGKILL of the key leader, timed from the kill to the last CPE of the surviving replicas holding the next"
	print "SA. *During fan-out*: a member removal as above; the leader is killed as soon as the first of its own CPEs has the"
	print "new SA (it stored the SA in etcd before pushing it, so the followers push it anyway). *Before rekey*: the SA made"
	print "by that reload has a short lifetime; the next leader is killed 3 s before its timer rekey is due, so the rekey"
	print "waits for the dead leader'"'"'s lease to end (at most lease_ttl after its last keep-alive) and for a survivor to take"
	print "the leader key (it tries every lease_ttl / 3). *New leader* is when etcdctl (polled every 0.1 s) showed it.\n"
	print "| kind | lease_ttl | killed | new leader after | survivors'"'"' CPEs | kill to last SA | p50 / p99 |"
	print "|---|---:|---|---:|---:|---:|---|"
	for (i = 1; i <= n; i++) { $1 = fo[i]; printf "| %s | %s s | %s (%s ms after the trigger) | %s: %s ms | %s of %s | **%s ms** | %s / %s ms |\n", v("kind"), v("lease_ttl_s"), v("killed"), v("trigger_to_kill_ms"), v("new_leader"), v("kill_to_new_leader_ms"), v("rekeyed"), v("survivor_cpes"), v("kill_to_last_put_ms"), v("put_p50_ms"), v("put_p99_ms") }
}' "$file"
	exit 0
fi
file=$1 cores=$2 breakdown=${3:-}
charon=$(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
cat <<HEAD
## Controller and agent side by side with strongSwan (issue 6; written by \`make bench\`)

Machine: $cores cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"),
strongSwan $charon (Debian packages); $(date -u +%Y-%m-%d). The cores are shared with other work, so absolute numbers are
noisy: compare within one run. Whole run: \`make bench\` (= \`bench/run.sh\`); raw lines in \`bench/last-run.txt\`.
CPE and HUB are two network namespaces joined by a veth; the generator is \`bench/Mpsa.Bench\` (\`mpsa-bench\`).
The controller is the one its .deb installs (\`make deb-host\`, \`out/controller/<arch>\`: self-contained and trimmed).
HEAD
awk -F'\t' '
function v(key,   i, n, kv) { n = split($1, f, " "); for (i = 1; i <= n; i++) { split(f[i], kv, "="); if (kv[1] == key) return substr(f[i], length(key) + 2) } return "" }
function cmd() { return "`" substr($2, 9) "`" }
/^RESULT handshake/ { hs[++nh] = $0 }
/^RESULT (connect|rss|rekey|storm) / { fo[++nf] = $0 }
/^RESULT (footprint|footprint_late|rekeycpu) / { fp[++np] = $0 }
/^RESULT size / { sz[++ns] = $0 }
function target(what, figure, ok) { printf "| %s | %s | %s |\n", what, figure, (ok ? "**met**" : "not met") }
END {
	# issue 15: every target from this run alone
	# the rounds of each responder summed: setups over wall-clock time, setups over CPU time (per round in brackets)
	for (i = 1; i <= nh; i++) { $0 = hs[i]; k = v("suite") "/" v("pinned") "/" v("label"); n = v("ok") + 0
		if (!(k in hn)) { korder[++nk] = k; kline[k] = hs[i] }
		hn[k] += n; hfail[k] += v("failed"); hsec[k] += n / v("rate"); hcpus[k] += n / v("per_cpu_s")
		hrates[k] = hrates[k] (hrates[k] == "" ? "" : " / ") v("rate"); hcpul[k] = hcpul[k] (hcpul[k] == "" ? "" : " / ") v("per_cpu_s")
		hp50[k] = hp50[k] (hp50[k] == "" ? "" : " / ") v("p50_ms"); hp99[k] = hp99[k] (hp99[k] == "" ? "" : " / ") v("p99_ms") }
	for (k in hn) { hrate[k] = sprintf("%.0f", hn[k] / hsec[k]); hcpu[k] = sprintf("%.0f", hn[k] / hcpus[k]) }
	for (i = 1; i <= nf; i++) { $0 = fo[i]; if ($0 ~ /^RESULT rekey/ && v("count") == 10000) { r = v("controller_ms") + 0; if (r > worst) worst = r; rounds = rounds (rounds == "" ? "" : " / ") r } }
	for (i = 1; i <= np; i++) { $0 = fp[i]; if ($0 ~ /^RESULT footprint_late/) late45[v("who")] = v("rss_kb"); if ($0 ~ /^RESULT rekeycpu/) rk[v("who")] = v("per_rekey_ms") }
	print "\n### Targets of issue 15 in this run\n"
	print "| target | this run | |"
	print "|---|---|---|"
	for (i = 1; i <= ns; i++) { $0 = sz[i]; if (v("package") == "mpsa-agent") target("PSK agent binary <= 3.0 MB stripped, " v("arch"), sprintf("%.2f MB (gzip -9 %.2f MB, xz -9 %.2f MB; libsodium.so beside it: %.2f MB)", v("binary") / 1e6, v("gzip") / 1e6, v("xz") / 1e6, v("libsodium") / 1e6), v("binary") + 0 <= 3000000) }
	x = "chacha20poly1305-prfsha256-x25519"; m = "chacha20poly1305-prfsha256-modp2048"
	if (hcpu[x "//charon"] > 0) {
		target("controller x25519 >= 4x charon setups per CPU-s", sprintf("%.2fx (%s : %s)", hcpu[x "//mpsa-controller"] / hcpu[x "//charon"], hcpu[x "//mpsa-controller"], hcpu[x "//charon"]), hcpu[x "//mpsa-controller"] + 0 >= 4 * hcpu[x "//charon"])
		target("controller x25519 >= 2x charon setups/s (wall clock)", sprintf("%.2fx (%s : %s)", hrate[x "//mpsa-controller"] / hrate[x "//charon"], hrate[x "//mpsa-controller"], hrate[x "//charon"]), hrate[x "//mpsa-controller"] + 0 >= 2 * hrate[x "//charon"])
		if (hrate[x "/1core/charon"] > 0) target("... the same, responder and generator pinned to a core each (wall clock)", sprintf("%.2fx (%s : %s)", hrate[x "/1core/mpsa-controller"] / hrate[x "/1core/charon"], hrate[x "/1core/mpsa-controller"], hrate[x "/1core/charon"]), hrate[x "/1core/mpsa-controller"] + 0 >= 2 * hrate[x "/1core/charon"])
	}
	if (hcpu[m "//charon"] > 0) target("controller modp2048 >= 1.5x charon setups per CPU-s", sprintf("%.2fx (%s : %s)", hcpu[m "//mpsa-controller"] / hcpu[m "//charon"], hcpu[m "//mpsa-controller"], hcpu[m "//charon"]), hcpu[m "//mpsa-controller"] + 0 >= 1.5 * hcpu[m "//charon"])
	if (rounds != "") target("rekey fan-out of 10,000 CPEs all acknowledged in < 0.5 s (every round)", rounds " ms", worst < 500)
	if (late45["agent"] != "") target("agent idle RSS at 45 s <= 3.5 MB (3,584 kB)", late45["agent"] " kB (charon " late45["charon"] " kB)", late45["agent"] + 0 <= 3584)
	if (rk["charon_child"] != "") target("agent CPU per group-SA rekey <= charon per CHILD_SA rekey (median of three 30 s windows)", rk["agent"] " ms : " rk["charon_child"] " ms (charon answering an MPSA_PUT, which installs nothing: " rk["charon"] " ms)", rk["agent"] + 0 <= rk["charon_child"] + 0)
	else if (rk["charon"] != "") target("agent CPU per group-SA rekey <= charon per CHILD_SA rekey (not measured; charon answering an MPSA_PUT instead)", rk["agent"] " ms : " rk["charon"] " ms", 0)
	print "\n### Controller handshake rate (IKE_SA_INIT + IKE_AUTH with a CHILD_SA, PSK)\n"
	print "A setup counts when IKE_AUTH is answered and the CHILD_SA is up, for both responders (the controller pushes"
	print "MPSA_PUT right after, inside the same run). charon: kernel-libipsec installs the CHILD_SA in userspace (the kernel here"
	print "has no ESP); flood limits raised (cookie_threshold, cookie_threshold_ip, block_threshold), ikesa_table_size 4096.\n"
	print "*Setups per CPU-s* divides the setups by the CPU time of the responder (all its threads, /proc/PID/task/*/schedstat):"
	print "the shared cores blur the wall-clock rate, not the CPU cost.\n"
	print "Each responder ran the rounds shown in brackets, charon and the controller alternating, each started afresh; the"
	print "figures outside the brackets are over all rounds together (setups over the time of the rounds, setups over their CPU time).\n"
	print "| suite | responder | setups | failed | setups/s (rounds) | p50 ms | p99 ms | ratio to charon | setups per CPU-s (rounds) | ratio (CPU) | command |"
	print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for (i = 1; i <= nk; i++) { k = korder[i]; $0 = kline[k]; suite = v("suite"); base = suite "/" v("pinned") "/charon"
		mine = v("label") != "charon" && hn[base] > 0
		ratio = mine ? sprintf("**%.2f**", hrate[k] / hrate[base]) : "1 (baseline)"
		cratio = mine ? sprintf("**%.2f**", hcpu[k] / hcpu[base]) : "1 (baseline)"
		who = v("label") (v("pinned") == "1core" ? " (responder on core 1, generator on core 0)" : "")
		printf "| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s (%s) | %s | %s |\n", suite, who, hn[k], hfail[k], hrate[k], hrates[k], hp50[k], hp99[k], ratio, hcpu[k], hcpul[k], cratio, cmd() }
	print "\n### Rekey fan-out, RSS per connected CPE, restart storm (mpsa-controller, loopback)\n"
	print "Rekey: a reload that removes a connected spare member (SIGHUP) starts it; *controller* is the time the controller"
	print "logs from the rekey start to the last acknowledgement (`all N members acknowledged SA … in … ms`); *generator* is"
	print "from the SIGHUP to the last MPSA_PUT received. Storm: the controller is restarted (SIGTERM, start), then all CPEs"
	print "reconnect at once; time until every one holds the group SA again, with cookies (cookie_threshold 100).\n"
	print "| CPEs | what | figure | command |"
	print "|---:|---|---|---|"
	for (i = 1; i <= nf; i++) { $0 = fo[i]; n = v("count")
		if ($0 ~ /^RESULT connect/) printf "| %s | initial connect | %s setups/s (%s ok, %s failed), p50 %s ms, p99 %s ms | %s |\n", n, v("rate"), v("ok"), v("failed"), v("p50_ms"), v("p99_ms"), cmd()
		if ($0 ~ /^RESULT rss/) printf "| %s | controller RSS | %s kB idle, %s kB connected: **%s kB per CPE** | %s |\n", n, v("rss0_kb"), v("rssN_kb"), v("per_cpe_kb"), cmd()
		if ($0 ~ /^RESULT rekey/) printf "| %s | rekey %s | controller **%s ms**, generator %s ms, %s members rekeyed | %s |\n", n, v("round"), v("controller_ms"), v("signal_to_last_put_ms"), v("members_rekeyed"), cmd()
		if ($0 ~ /^RESULT storm/) printf "| %s | restart storm | **%s s** until all hold the group SA (%s ok, %s failed, %s cookie rounds), p50 %s ms, p99 %s ms | %s |\n", n, v("seconds"), v("ok"), v("failed"), v("extra_init_rounds"), v("p50_ms"), v("p99_ms"), cmd() }
	print "\n### Agent footprint beside a minimal charon initiator (same controller, same run)\n"
	print "Idle RSS 15 s after start (IKE SA and group SA up) and 45 s after start (after the first liveness check of the agent);"
	print "*anonymous* is private memory of the process, *file pages* are mapped pages of its binary and libraries."
	print "*CPU per rekey*: rekeys every 3 s, in three windows of 30 s; the CPU time of each window divided by its rekeys, the median"
	print "window first and all three in brackets (one extra event in a window, a collection or a page release, doubles it). The first charon is a member of"
	print "the same group as the agent and answers each MPSA_PUT as an unknown Notify, installing nothing; what the issue compares with,"
	print "a CHILD_SA rekey (CREATE_CHILD_SA, the SAs installed, the old ones deleted), is measured on a second pair of charons.\n"
	print "| who | idle RSS kB at 15 s | ratio to charon | of which anonymous kB | of which file pages kB | RSS kB at 45 s | ratio to charon | CPU per rekey ms | rekeys | allocated per rekey kB | command |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for (i = 1; i <= np; i++) { $0 = fp[i]; if ($0 ~ /^RESULT footprint_late/) late[v("who")] = v("rss_kb"); else if ($0 ~ /^RESULT footprint/) { rss[v("who")] = v("rss_kb"); anon[v("who")] = v("anon_kb"); filek[v("who")] = v("file_kb") } else { cpu[v("who")] = v("per_rekey_ms") (v("windows_per_rekey_ms") != "" ? " (" v("windows_per_rekey_ms") ")" : ""); nrk[v("who")] = v("rekeys"); alloc[v("who")] = v("allocated_kb_per_rekey") } c = cmd() }
	for (w in rss) printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", (w == "agent" ? "mpsa-agent (NativeAOT, musl, --dry-run kernel): CPU per group-SA rekey" : "charon, minimal plugins: CPU per MPSA_PUT answered (an empty INFORMATIONAL response)"), rss[w], (rss["charon"] > 0 ? sprintf("%.2f", rss[w] / rss["charon"]) : ""), anon[w], filek[w], late[w], (late["charon"] > 0 ? sprintf("%.2f", late[w] / late["charon"]) : ""), cpu[w], nrk[w], (alloc[w] != "" ? alloc[w] : "-"), c
	if (cpu["charon_child"] != "") printf "| charon, the same plugins + aes + kernel-libipsec: CPU per CHILD_SA rekey (its own hub charon rekeys every 3 s) | - | | - | - | - | | %s | %s | - | %s |\n", cpu["charon_child"], nrk["charon_child"], c
}' "$file"
if [ -n "$breakdown" ] && [ -s "$breakdown" ]; then
	printf '\n### What the PSK agent binary spends its bytes on\n\n'
	echo "From the ILCompiler's map of the published x86_64 binary (\`bench/lib/size-breakdown.py\`): every node (code, type"
	echo "data, GC info, statics) summed by the assembly and namespace its name starts with; the rest of the binary is the"
	printf 'native runtime and the ELF headers.\n\n'
	cat "$breakdown"
	awk -F'\t' '/^RESULT size / { sub(/^command=/, "", $2); print "\nBinaries: " $1 " (`" $2 "`)" }' "$file" | sed 's/RESULT size //'
fi
