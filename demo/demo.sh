#!/usr/bin/env bash
# `make demo`: a controller and three agents on loopback (dry-run kernel), one shared SA on all three,
# one rollover with short timers, then a clean stop. Everything runs from a temporary directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin_c="$root/controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller"
bin_a="$root/agent/Mpsa.Agent/bin/Release/net10.0/mpsa-agent"
dir=$(mktemp -d /tmp/mpsa-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
cat >"$dir/controller.conf" <<CONF
[controller]
identity = controller.demo
listen = 127.0.0.1:$port
control_socket = $dir/controller.sock
state_dir = $dir/controller-state
[group demo]
esp = aes256-sha256
lifetime = 40s
rekey_margin = 15s
roll1 = 3s
roll2 = 6s
CONF
for i in 1 2 3; do
  cat >>"$dir/controller.conf" <<CONF
[member cpe$i]
identity = cpe$i.demo
psk = "demo secret of cpe$i, not for production"
group = demo
CONF
  cat >"$dir/cpe$i.conf" <<CONF
[agent]
identity = cpe$i.demo
psk = "demo secret of cpe$i, not for production"
local_address = 127.0.0.1
local_port = $((port + i))
control_socket = $dir/cpe$i.sock
retry_min = 200ms
retry_max = 2s
[controller]
address = 127.0.0.1
port = $port
identity = controller.demo
CONF
done

echo "== starting mpsa-controller on 127.0.0.1:$port and three mpsa-agents (--dry-run: kernel operations are logged, not made)"
"$bin_c" run --config "$dir/controller.conf" 2>"$dir/controller.log" & pids+=($!)
sleep 0.5
for i in 1 2 3; do
  "$bin_a" run --dry-run --config "$dir/cpe$i.conf" 2>"$dir/cpe$i.log" & pids+=($!)
done

# The SPI of each agent's active group SA, or "-" while it has none.
active_spi() { "$bin_a" status --config "$dir/cpe$1.conf" 2>/dev/null | awk '$1 == "spi" && $3 == "active" { print $2; exit }' || true; }
show() {
  printf '%-6s %-10s %-9s %s\n' agent spi state fingerprint
  for i in 1 2 3; do
    "$bin_a" status --config "$dir/cpe$i.conf" | awk -v a="cpe$i" '$1 == "spi" { printf "%-6s %-10s %-9s %s\n", a, $2, $3, $7 }'
  done
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local until=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do
    if [ $SECONDS -ge $until ]; then echo "demo: timed out waiting for $what" >&2; tail -n 20 "$dir"/*.log >&2; exit 1; fi
    sleep 0.3
  done
}
all_on() { local want=$1; for i in 1 2 3; do [ "$(active_spi $i)" = "$want" ] || return 1; done; }
all_same() { local s; s=$(active_spi 1); [ -n "$s" ] && all_on "$s"; }

wait_for 20 "three agents with one shared SA" all_same
first=$(active_spi 1)
echo "== all three agents hold group SA $first with the same KEYMAT fingerprint:"
show
echo "== cpe1's IKE SA with the controller: X25519 with ML-KEM-768 added (post-quantum), the default:"
"$bin_a" status --config "$dir/cpe1.conf" | grep '^IKE SA'
echo "== controller:"
"$bin_c" status --config "$dir/controller.conf"

echo "== waiting for the rekey (lifetime 40s, margin 15s) and the rollover (roll1 3s, roll2 6s)"
changed() { local s; s=$(active_spi 1); [ -n "$s" ] && [ "$s" != "$first" ] && all_on "$s"; }
wait_for 45 "the rollover" changed
second=$(active_spi 1)
echo "== rolled over from $first to $second on all three:"
show
sleep 7
echo "== after roll2 the old SA is gone:"
show

echo "== stopping (SIGTERM): agents delete their IKE SA and remove their SAs, the controller says goodbye"
for p in "${pids[@]}"; do kill -TERM "$p"; done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=$?; done
pids=()
grep -h "kernel: delete state" "$dir"/cpe1.log | tail -n 2 || true
[ $rc -eq 0 ] && echo "== demo finished: every process exited 0" || { echo "demo: a process exited $rc" >&2; exit 1; }
