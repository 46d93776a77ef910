#!/usr/bin/env bash
# Boots User-Mode Linux with the host's root (hostfs), runs one command inside it, prints the
# command's output, and exits with its status.
#
#   uml-run.sh [--timeout SECONDS] [--mem SIZE] COMMAND [ARG...]
#
# COMMAND is a script path on the host (usually tests/netlab/scenarios/NN-*.sh). Paths inside this
# repository are handed to UML under $NETLAB_REPO (the repository as UML sees it); other paths must
# not be under /tmp, which UML covers with its own tmpfs.
#
# Environment:
#   NETLAB_KEEP=1     keep the run directory (console log, output, the scenario's /tmp/netlab) and print its path
#   NETLAB_SHELL=1    after the command, open a shell inside UML with the topology still up (needs a terminal)
#   NETLAB_VERBOSE=1  show the UML console (and the command's output as it runs) on stderr
#   NETLAB_TIMEOUT    default for --timeout (300 s); UML is killed after it
#   NETLAB_BUILD_ROOT a checkout whose Release build of the daemons the scenarios use instead of this one's
#   NETLAB_*          every NETLAB_* variable is passed into UML
#
# Exit status: the command's; 124 on timeout; 125 when UML did not report a status (boot failed).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout_s=${NETLAB_TIMEOUT:-300}
mem=${NETLAB_MEM:-1G}
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) timeout_s=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "uml-run: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: uml-run.sh [--timeout S] [--mem SIZE] COMMAND [ARG...]" >&2; exit 2; }

uml=$(command -v linux.uml || command -v linux || true)
if [ -z "$uml" ] || [ ! -d /usr/lib/uml/modules ]; then
  echo "uml-run: User-Mode Linux is not installed (apt-get install user-mode-linux kmod iproute2 iputils-ping tcpdump)" >&2
  exit 125
fi

cmd=$1; shift
if [ -e "$cmd" ]; then
  cmd=$(cd "$(dirname "$cmd")" && pwd)/$(basename "$cmd")
  case $cmd in
    "$repo"/*) cmd=/run/netlab/repo/${cmd#"$repo"/} ;;
    /tmp/*) echo "uml-run: $cmd is under /tmp, which UML does not see; put it in the repository" >&2; exit 2 ;;
  esac
fi

# The run directory: the only host directory UML writes to. Not under the host's /tmp only for
# tidiness; UML reaches it through its own hostfs mount, never through the host root.
run_dir=$(mktemp -d "${NETLAB_RUN_BASE:-/tmp}/netlab-run.XXXXXX")
chmod 755 "$run_dir"
uml_pid=
cleanup() {
  if [ -n "$uml_pid" ] && kill -0 "$uml_pid" 2>/dev/null; then
    kill -TERM -- "-$uml_pid" 2>/dev/null; sleep 1; kill -KILL -- "-$uml_pid" 2>/dev/null
  fi
  if [ -n "${NETLAB_KEEP:-}" ]; then
    echo "uml-run: kept $run_dir" >&2
  else
    rm -rf "$run_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  printf 'NETLAB_HOST_REPO=%q\n' "$repo"
  printf 'NETLAB_MODULES=%q\n' "${NETLAB_MODULES:-veth bridge dummy ipv6 xfrm_user esp4 esp6 xfrm4_tunnel xfrm6_tunnel tunnel4 tunnel6 authenc cbc hmac echainiv seqiv drbg jitterentropy_rng ansi_cprng sha512_generic af_alg algif_hash}"
  # Pass NETLAB_* settings in (not the ones this script sets itself).
  while IFS='=' read -r name _; do
    case $name in NETLAB_HOST_REPO|NETLAB_MODULES|NETLAB_REPO|NETLAB_HOST_DIR) continue ;; esac
    printf 'export %s=%q\n' "$name" "${!name}"
  done < <(env | grep -E '^NETLAB_[A-Z0-9_]*=' || true)
} > "$run_dir/env"
{
  echo 'cd /tmp'
  printf '%q ' "$cmd" "$@"
  echo
} > "$run_dir/cmd"

if [ -n "${NETLAB_BUILD_ROOT:-}" ]; then
  NETLAB_BUILD_ROOT=$(cd "$NETLAB_BUILD_ROOT" && pwd) || exit 2
  sed -i "s|^export NETLAB_BUILD_ROOT=.*|export NETLAB_BUILD_ROOT=$(printf '%q' "$NETLAB_BUILD_ROOT")|" "$run_dir/env"
fi
console=$run_dir/console.log
[ -n "${NETLAB_SHELL:-}" ] && [ ! -t 0 ] && { echo "uml-run: NETLAB_SHELL needs a terminal on stdin" >&2; exit 2; }

# uml_dir/umid: keep UML's pid file and mconsole socket in the run directory (not in ~/.uml).
args=(root=/dev/root rootfstype=hostfs rootflags=/ rw "mem=$mem" "init=$repo/tests/netlab/uml-init.sh"
      "netlab_host=$run_dir" "uml_dir=$run_dir" umid=uml con=null ssl=null quiet)
start=$(date +%s.%N)
if [ -n "${NETLAB_SHELL:-}" ]; then
  # Interactive: the console is this terminal. UML puts the terminal in raw mode; restore it after.
  saved_tty=$(stty -g)
  setsid "$uml" "${args[@]}" con0=fd:0,fd:1 &
  uml_pid=$!
  wait "$uml_pid"; uml_rc=$?
  stty "$saved_tty"
else
  if [ -n "${NETLAB_VERBOSE:-}" ]; then
    setsid "$uml" "${args[@]}" con0=fd:0,fd:1 </dev/null > >(tee "$console" >&2) 2>&1 &
  else
    setsid "$uml" "${args[@]}" con0=fd:0,fd:1 </dev/null >"$console" 2>&1 &
  fi
  uml_pid=$!
  # Deadline: kill UML's whole process group (UML's processes are its children, in its group).
  deadline=$((SECONDS + timeout_s))
  while kill -0 "$uml_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
  if kill -0 "$uml_pid" 2>/dev/null; then
    echo timeout > "$run_dir/timeout"
    kill -TERM -- "-$uml_pid" 2>/dev/null; sleep 3; kill -KILL -- "-$uml_pid" 2>/dev/null
  fi
  wait "$uml_pid"; uml_rc=$?
fi
uml_pid=
end=$(date +%s.%N)

[ -f "$run_dir/output" ] && cat "$run_dir/output"
elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
ready=$(sed -n 's/^uml-init: ready at \(.*\)s$/\1/p' "$run_dir/boot-times" 2>/dev/null)
echo "uml-run: $(basename "$cmd"): UML ready after ${ready:-?}s (uptime), total ${elapsed}s wall" >&2
if [ -f "$run_dir/timeout" ]; then
  echo "uml-run: timed out after ${timeout_s}s; console tail:" >&2; tail -n 20 "$console" >&2
  exit 124
fi
if [ ! -f "$run_dir/rc" ]; then
  echo "uml-run: UML exited ($uml_rc) without a status; console tail:" >&2; tail -n 20 "$console" >&2
  exit 125
fi
exit "$(cat "$run_dir/rc")"
