#!/usr/bin/env bash
# Runs the netlab scenarios, each in its own User-Mode Linux boot, and prints one line per scenario:
#   scenario <name>: pass
#   scenario <name>: FAIL <why>
# Exit status: 0 when every scenario passed, 1 otherwise (2: usage).
#
#   tests/netlab/run.sh                  every scenario in tests/netlab/scenarios (00 .. 14)
#   tests/netlab/run.sh 01 03            the named ones (number, or file name with or without .sh)
#
# Environment (see README.md): NETLAB_LOGS=DIR keeps each scenario's full output there (default: a temp
# dir, removed when all passed); NETLAB_JOBS=N runs N UMLs at once (default 1: the timing scenarios want
# the CPU to themselves); NETLAB_PUBLISH=no skips publishing the daemons (publish-daemons.sh); NETLAB_KEEP / NETLAB_SHELL / NETLAB_VERBOSE / NETLAB_TIMEOUT go to uml-run.sh.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
jobs=${NETLAB_JOBS:-1}

# Which scenarios.
scenarios=()
if [ $# -eq 0 ]; then
  for f in "$here"/scenarios/[0-9][0-9]-*.sh; do scenarios+=("$f"); done
else
  for a in "$@"; do
    if [ -f "$a" ]; then   # a scenario by its path
      scenarios+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
      continue
    fi
    a=${a%.sh}
    match=("$here"/scenarios/"$a"*.sh)
    if [ ! -f "${match[0]}" ] || [ ${#match[@]} -ne 1 ]; then
      echo "run.sh: no single scenario matches '$a' (in $here/scenarios)" >&2
      exit 2
    fi
    scenarios+=("${match[0]}")
  done
fi

if [ -n "${NETLAB_LOGS:-}" ]; then
  logs=$NETLAB_LOGS; mkdir -p "$logs"; keep_logs=1
else
  logs=$(mktemp -d /tmp/netlab-logs.XXXXXX); keep_logs=
fi

# Prerequisites that every scenario needs: report them as the scenarios' verdicts, not as a crash.
missing=
for t in linux.uml ip ping tcpdump jq perl nsenter modprobe iptables-legacy; do
  command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
  for f in "${scenarios[@]}"; do
    echo "scenario $(basename "${f%.sh}"): FAIL missing on this machine:$missing (tests/netlab/packages.txt lists the Debian packages)"
  done
  exit 1
fi

# A host whose kernel cannot run UML at all (tests/uml-host-check.sh): one line per scenario saying why, counted as
# skipped, not as failures of the code under test.
if uml_refused=$("$here/../uml-host-check.sh"); [ -n "$uml_refused" ]; then
  for f in "${scenarios[@]}"; do
    echo "scenario $(basename "${f%.sh}"): SKIP $uml_refused"
  done
  [ -n "${NETLAB_COUNT_FILE:-}" ] && echo "0 0 ${#scenarios[@]}" > "$NETLAB_COUNT_FILE"
  echo "netlab: 0 passed, 0 failed, ${#scenarios[@]} skipped" >&2
  rm -rf "$logs"
  exit 0
fi

# The daemons the scenarios start, compiled ahead of time (publish-daemons.sh): in UML a JIT start costs seconds.
# NETLAB_PUBLISH=no keeps what out/netlab holds (a checkout given by NETLAB_BUILD_ROOT brings its own).
if [ "${NETLAB_PUBLISH:-yes}" != no ] && [ -z "${NETLAB_BUILD_ROOT:-}" ]; then
  if ! "$here/publish-daemons.sh"; then
    for f in "${scenarios[@]}"; do echo "scenario $(basename "${f%.sh}"): FAIL the daemons did not publish (tests/netlab/publish-daemons.sh)"; done
    [ -n "${NETLAB_COUNT_FILE:-}" ] && echo "0 ${#scenarios[@]} 0" > "$NETLAB_COUNT_FILE"
    exit 1
  fi
fi

# run_one FILE: one UML boot; writes LOG and a .verdict file with the scenario's line.
run_one() {
  local f=$1 name log start rc verdict
  name=$(basename "${f%.sh}")
  log=$logs/$name.log
  start=$SECONDS
  "$here/uml-run.sh" "$f" > "$log" 2>&1
  rc=$?
  verdict=$(grep -E "^scenario $name: (pass|FAIL)" "$log" | tail -n 1)
  if [ -z "$verdict" ]; then
    case $rc in
      124) why="timed out (uml-run.sh: ${NETLAB_TIMEOUT:-300}s)" ;;
      125) why="UML did not boot or did not report a status" ;;
      *) why="no verdict (exit $rc)" ;;
    esac
    verdict="scenario $name: FAIL $why; see $log"
  elif [ "$rc" != 0 ] && [[ $verdict == *": pass" ]]; then
    verdict="scenario $name: FAIL printed pass but exited $rc"
  fi
  echo "$verdict" > "$logs/$name.verdict"
  echo "$name $((SECONDS - start))" > "$logs/$name.time"
}

total_start=$SECONDS
pids=()
for f in "${scenarios[@]}"; do
  if [ "$jobs" -le 1 ]; then
    run_one "$f"
    cat "$logs/$(basename "${f%.sh}").verdict"
  else
    run_one "$f" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.5; done
  fi
done
if [ "$jobs" -gt 1 ]; then
  wait "${pids[@]}"
  for f in "${scenarios[@]}"; do cat "$logs/$(basename "${f%.sh}").verdict"; done
fi

failed=0
for f in "${scenarios[@]}"; do
  grep -q ": pass$" "$logs/$(basename "${f%.sh}").verdict" || failed=$((failed + 1))
done
# For tests/run-suites.sh: "passed failed skipped" in the file NETLAB_COUNT_FILE names.
[ -n "${NETLAB_COUNT_FILE:-}" ] && echo "$(( ${#scenarios[@]} - failed )) $failed 0" > "$NETLAB_COUNT_FILE"
times=$(cat "$logs"/*.time 2>/dev/null | awk '{ printf "%s %ss, ", $1, $2 }')
echo "netlab: $(( ${#scenarios[@]} - failed )) passed, $failed failed in $((SECONDS - total_start))s (${times%, })" >&2
if [ "$failed" -gt 0 ] || [ -n "$keep_logs" ]; then
  echo "netlab: logs in $logs" >&2
else
  rm -rf "$logs"
fi
[ "$failed" = 0 ]
