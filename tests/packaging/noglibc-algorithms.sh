# noglibc-algorithms.sh — sourced by test-noglibc.sh once its root $R holds the package (no glibc, no libssl): the
# packaged agent against mpsa-controller on this host (loopback), one agent process per group suite the controller
# can push (every ENCR, INTEG and PRF at least once). Without libssl the agent computes PRF-HMAC-SHA2-256/512 only:
# those group SAs are installed with the controller's key fingerprint, the others refused with an error Notify, and
# every agent is still the same process afterwards (an algorithm it cannot compute must never be attempted).
# Uses run's $work, $emu; adds checks.

algo_controller=$root/controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller
# esp prf expected(installed|refused)
algo_cases=(
  "aes256-sha256 prfsha256 installed"
  "aes128-sha1 prfsha1 refused"
  "aes256-sha512 prfsha384 refused"
  "aes192-sha384 prfsha512 installed"
  "aes128-sha256 prfsha1 refused"
)

algo_agent_status() { # N: status --json of agent N (in the root) into $work/status-N.json
  unshare -m --propagation private sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' \
    sh "$R" "$R" ${emu[@]+"${emu[@]}"} /usr/sbin/mpsa-agent status --json --config "/etc/mpsa/algo-$1.conf" >"$work/status-$1.json" 2>/dev/null
}

algo_run() {
  local port=$((20000 + RANDOM % 20000)) n case esp prf expect i
  if [ ! -x "$algo_controller" ]; then
    skip "packaged agent against mpsa-controller: no controller build at $algo_controller (make build)"
    return
  fi
  mkdir -p "$R/run" "$R/etc/mpsa"
  {
    echo "[controller]"
    echo "identity = controller.test"
    echo "listen = 127.0.0.1:$port"
    echo "control_socket = $work/ctl.sock"
    echo "state_dir = $work/controller-state"
    echo "install_child_sa = no"
    echo "log_level = debug"
    n=0
    for case in "${algo_cases[@]}"; do
      n=$((n + 1)); read -r esp prf _ <<<"$case"
      printf '\n[group g%s]\nesp = %s\nprf = %s\n\n[member cpe%s]\nidentity = cpe%s.test\npsk = "algorithms-%s"\ngroup = g%s\n' \
        "$n" "$esp" "$prf" "$n" "$n" "$n" "$n"
    done
  } >"$work/controller.conf"
  "$algo_controller" run --config "$work/controller.conf" >"$work/controller.log" 2>&1 &
  local ctl=$!
  local pids=()
  n=0
  for case in "${algo_cases[@]}"; do
    n=$((n + 1))
    printf '[agent]\nidentity = cpe%s.test\npsk = "algorithms-%s"\nlocal_address = 127.0.0.1\nlocal_port = %s\ncontrol_socket = /run/algo-%s.sock\nliveness_interval = 60s\nlog_level = debug\n\n[controller]\naddress = 127.0.0.1\nport = %s\nidentity = controller.test\n' \
      "$n" "$n" "$((port + n))" "$n" "$port" >"$R/etc/mpsa/algo-$n.conf"
    unshare -m --propagation private sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' \
      sh "$R" "$R" ${emu[@]+"${emu[@]}"} /usr/sbin/mpsa-agent run --dry-run --config "/etc/mpsa/algo-$n.conf" >"$work/agent-$n.log" 2>&1 &
    pids+=($!)
  done
  # every agent answered its group's first SA (installed, or refused and reported to the controller)
  local deadline=$((SECONDS + 60)) done_
  while [ $SECONDS -lt $deadline ]; do
    "$algo_controller" status --json --config "$work/controller.conf" >"$work/ctl.json" 2>/dev/null || { sleep 1; continue; }
    done_=$(jq '[.members[] | select(.holds_current_sa or (.refusals | length > 0))] | length' "$work/ctl.json" 2>/dev/null)
    [ "${done_:-0}" -eq ${#algo_cases[@]} ] && break
    sleep 1
  done
  sleep 2   # a crash after the answer would show now
  n=0
  for case in "${algo_cases[@]}"; do
    n=$((n + 1)); i=$((n - 1)); read -r esp prf expect <<<"$case"
    algo_agent_status "$n"
    local fp refused
    fp=$(jq -r --arg g "g$n" '.groups[] | select(.name == $g) | .fingerprint' "$work/ctl.json")
    refused=$(jq -r --arg m "cpe$n" '.members[] | select(.name == $m) | .refusals[0].notify // ""' "$work/ctl.json")
    check "$esp $prf: the agent is still the process it was" kill -0 "${pids[$i]}"
    check "$esp $prf: no abort in its output" bash -c "! grep -qE 'No usable version of libssl|Abort|Unhandled exception|SIGABRT' '$work/agent-$n.log'"
    if [ "$expect" = installed ]; then
      check "$esp $prf: installed with the controller's fingerprint $fp" \
        jq -e --arg f "$fp" '[.group_sas[] | select(.fingerprint == $f)] | length == 1' "$work/status-$n.json"
      check "$esp $prf: the controller counts cpe$n as holding it" \
        jq -e --arg m "cpe$n" '.members[] | select(.name == $m) | .holds_current_sa' "$work/ctl.json"
    else
      check "$esp $prf: refused with NO_PROPOSAL_CHOSEN, shown by the controller ($refused)" test "$refused" = NO_PROPOSAL_CHOSEN
      check "$esp $prf: the agent's status shows the refusal" \
        jq -e '.last_refusal.notify == "NO_PROPOSAL_CHOSEN" and (.group_sas | length == 0)' "$work/status-$n.json"
    fi
  done
  echo "#   the agent without libssl: $(grep -ho 'group SA [0-9a-f]* refused.*' "$work"/agent-*.log | head -n 1)"
  for i in "${pids[@]}"; do kill "$i" 2>/dev/null; done
  kill "$ctl" 2>/dev/null
  wait "${pids[@]}" "$ctl" 2>/dev/null
}
algo_run
