#!/usr/bin/env bash
# Runs every test suite and ends with one line: "N passed, N failed, N skipped", summed over all suites.
set -uo pipefail
config=${1:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
# What failed, one line each, repeated just above the last line (CI logs often show only their tail).
failures="$results/failures"
: >"$failures"

# NUnit (unit, known-answer, property, loopback end to end, interop).
trx="$results/nunit.trx"
dotnet test "$root/tests/Mpsa.Tests/Mpsa.Tests.csproj" -c "$config" --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=$trx" ${NUNIT_FILTER:+--filter "$NUNIT_FILTER"}
rc=$?
counters=$(grep -o '<Counters [^>]*>' "$trx" 2>/dev/null | head -n 1)
if [ -z "$counters" ]; then
  echo "run-suites: NUnit wrote no results (exit $rc)" >&2
  echo "0 1 0" >"$results/nunit.count"
  status=1
else
  counter() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$counters"; }
  total=$(counter total) executed=$(counter executed) p=$(counter passed)
  f=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
  echo "$p $f $((total - executed))" >"$results/nunit.count"
  [ "$rc" -ne 0 ] && status=1
  grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"[^>]*>' "$trx" \
    | sed -E 's/.* testName="([^"]*)".*/nunit: \1/' >>"$failures"
fi

# A short fuzz pass (10 s per target; `make fuzz` runs the long one).
FUZZ_SECONDS=${TEST_FUZZ_SECONDS:-10} FUZZ_COUNT_FILE="$results/fuzz.count" "$root/fuzz/run.sh" \
  | tee "$results/fuzz.out" || status=1
grep ': FAIL' "$results/fuzz.out" >>"$failures"
[ -s "$results/fuzz.count" ] || echo "0 1 0" >"$results/fuzz.count"

# Packaging: the .ipk installed the way opkg does, the .apk with apk-tools v3, the agent from each in roots without
# glibc (x86_64, aarch64 under qemu), the two agent packages (PSK only, with certificates) side by side and swapped,
# and the controller's .deb (dpkg into a clean root, the unit, the capabilities).
for t in test-install test-noglibc test-aarch64 test-apk "test-noglibc x86_64 apk" "test-aarch64 apk" test-flavours test-deb; do
  read -r script args <<<"$t"
  # shellcheck disable=SC2086 # args: words
  out=$("$root/tests/packaging/$script.sh" $args 2>&1); rc=$?
  echo "$out"
  sed -n "s/^FAIL - /$script${args:+ $args}: /p" <<<"$out" >>"$failures"
  last=$(tail -n 1 <<<"$out")
  p=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$last")
  f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$last")
  s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$last")
  echo "${p:-0} ${f:-1} ${s:-0}" >"$results/pkg-${t// /-}.count"
  [ $rc -ne 0 ] && status=1
done

# The kernel contract of the XFRM implementation, on a real kernel with ESP (User-Mode Linux). A host whose kernel
# cannot run UML at all (tests/uml-host-check.sh) gets one line saying why, and the suite counts as skipped.
if uml_refused=$("$root/tests/uml-host-check.sh"); [ -n "$uml_refused" ]; then
  echo "run-suites: the XFRM contract in UML is skipped: $uml_refused" >&2
  echo "0 0 1" >"$results/xfrm-contract.count"
else
  out=$("$root/tests/Mpsa.Tests/Netlink/uml-run.sh" \
    "dotnet test tests/Mpsa.Tests/bin/$config/net10.0/Mpsa.Tests.dll --filter 'Category=XfrmContract|Category=Rtnetlink'" 2>&1 | sed 's/\x1b\[[0-9;?]*[a-zA-Z=]//g')
  echo "$out" | tail -n 5
  line=$(grep -E '(Passed|Failed)! +- Failed:' <<<"$out" | tail -n 1)
  if [ -n "$line" ]; then
    f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$line"); p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line"); s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$line")
    echo "$p $f $s" >"$results/xfrm-contract.count"
    sed -nE 's/^ *Failed ([^ ].*) \[.*/xfrm contract: \1/p' <<<"$out" >>"$failures"
    [ "$f" -ne 0 ] && status=1
  else
    echo "run-suites: the XFRM contract in UML printed no summary" >&2
    echo "0 1 0" >"$results/xfrm-contract.count"
    status=1
  fi
fi

# Netlab: every scenario on a real kernel (User-Mode Linux); one count line per run.
MPSA_REUSE_AGENT=1 NETLAB_COUNT_FILE="$results/netlab.count" "$root/tests/netlab/run.sh" \
  | tee "$results/netlab.out" || status=1
sed -nE 's/^scenario ([^:]*): FAIL.*/netlab: \1/p' "$results/netlab.out" >>"$failures"
[ -s "$results/netlab.count" ] || echo "0 1 0" >"$results/netlab.count"

passed=0 failed=0 skipped=0
for c in "$results"/*.count; do
  read -r p f s <"$c"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
[ "$failed" -gt 0 ] && status=1
if [ -s "$failures" ]; then
  echo "run-suites: failed:"
  head -n 20 "$failures" | sed 's/^/  /'
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
