#!/usr/bin/env bash
# method-order.sh — regenerates agent/Mpsa.Agent/method-order.txt: every function the agent executes while it starts,
# connects, installs and rolls over group SAs, answers `status` and checks liveness, as NativeAOT symbol names.
# The agent's csproj hands the file to ILC (--order, --method-layout:explicit), which places those methods first and
# together: the kernel maps a binary's pages in 64 KiB windows (fault-around), so code that runs spread over the whole
# 3.4 MB of compiled code keeps nearly all of it resident; packed together it takes about 0.6 MB.
# A stale list only costs memory (a method missing from it is placed with the cold code), never correctness.
#
# How: the published x86_64 agent (out/agent/x86_64, non-PIE, with mpsa-agent.dbg) runs under valgrind's callgrind
# (--dump-instr) against a local mpsa-controller on loopback (rekey every 8 s, liveness every 3 s), its profile dumped
# every second; each executed instruction address is mapped to its symbol with nm. The hottest come first: a function
# run in more of those seconds before one run in fewer (the driver loop and what every exchange runs, then a liveness
# check, a rekey, then start-up), so what runs between exchanges, when the rest has been handed back, keeps few
# windows resident. Needs valgrind and a `make build` (the controller).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
agent=$root/out/agent/x86_64/mpsa-agent
controller=$root/controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller
out=$root/agent/Mpsa.Agent/method-order.txt
seconds=${ORDER_SECONDS:-60}
for f in "$agent" "$agent.dbg" "$controller"; do
  [ -e "$f" ] || { echo "method-order: $f missing (packaging/build/publish-agent.sh x86_64, make build)" >&2; exit 1; }
done
command -v valgrind >/dev/null || { echo "method-order: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
ctl_pid=""
trap '[ -n "$ctl_pid" ] && kill "$ctl_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$((45000 + RANDOM % 1000))
psk=method-order-psk-0123456789

cat >"$work/controller.conf" <<EOF
[controller]
identity = controller.order
listen = 127.0.0.1:$port
control_socket = $work/controller.sock
state_dir = $work/controller-state
[group order]
esp = aes256-sha256
lifetime = 1h
rekey_margin = 3592s
roll1 = 4s
roll2 = 6s
[member cpe]
identity = cpe.order
psk = "$psk"
group = order
EOF
cat >"$work/agent.conf" <<EOF
[agent]
identity = cpe.order
psk = "$psk"
local_port = $((port + 1))
control_socket = $work/agent.sock
liveness_interval = 3s
[controller]
address = 127.0.0.1
port = $port
identity = controller.order
EOF
chmod 600 "$work"/*.conf
"$controller" run --config "$work/controller.conf" >"$work/controller.log" 2>&1 &
ctl_pid=$!
sleep 2
valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file="$work/callgrind.out" \
  "$agent" run --dry-run --config "$work/agent.conf" >"$work/agent.log" 2>&1 &
agent_pid=$!
for ((i = 0; i < seconds; i++)); do
  sleep 1
  [ "$i" = $((seconds / 2)) ] && { "$agent" status --config "$work/agent.conf" >/dev/null 2>&1 || true; }
  callgrind_control --dump "$agent_pid" >/dev/null 2>&1 || true
done
kill -TERM "$agent_pid"   # SIGINT is ignored by background jobs of a script
wait "$agent_pid" || true
grep -q "group SA" "$work/agent.log" || { echo "method-order: the agent got no group SA: $(tail -3 "$work/agent.log")" >&2; exit 1; }

python3 - "$agent.dbg" "$work"/callgrind.out* >"$out" <<'PY'
import bisect, collections, re, subprocess, sys
dbg, dumps = sys.argv[1], sys.argv[2:]

def executed_in(dump):
    objects, in_agent, pos, executed = {}, False, 0, set()
    for line in open(dump):
        if line.startswith("ob="):
            m = re.match(r"ob=\((\d+)\)\s*(.*)", line.strip())
            if m:
                objects.setdefault(m.group(1), m.group(2))
                name = objects[m.group(1)]
                in_agent = not any(lib in name for lib in ("libsodium", "libc.so", "ld-musl", "vgpreload"))
            continue
        if line.startswith("calls="):
            continue
        token = line.split(" ", 1)[0].strip()
        if token.startswith("0x"):
            pos = int(token, 16)
        elif token[:1] == "+":
            pos += int(token[1:])
        elif token[:1] == "-" and token[1:].isdigit():
            pos -= int(token[1:])
        elif token != "*":
            continue
        if in_agent and 0x400000 <= pos < 0x10000000:   # the non-PIE executable's addresses
            executed.add(pos)
    return executed

symbols = []
for l in subprocess.run(["nm", "-n", "-S", dbg], capture_output=True, text=True, check=True).stdout.splitlines():
    p = l.split()
    if len(p) == 4 and p[2] in "tTwW":
        symbols.append((int(p[0], 16), int(p[1], 16), p[3]))
starts = [s[0] for s in symbols]
seconds_run = collections.Counter()   # function -> the dumps (seconds) it ran in
for dump in dumps:
    names = set()
    for a in executed_in(dump):
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and a < symbols[i][0] + max(symbols[i][1], 1):
            names.add(symbols[i][2])
    seconds_run.update(names)
print("\n".join(sorted(seconds_run, key=lambda n: (-seconds_run[n], n))))
PY
echo "method-order: $(wc -l <"$out") functions written to ${out#"$root"/}"
