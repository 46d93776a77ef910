#!/usr/bin/env bash
# Coverage-guided fuzzing of the IKE message decoder, the SK decryption path and the MPSA_PUT decoder:
# libFuzzer (clang) drives the SharpFuzz-instrumented Mpsa.Ike.dll through fuzz/driver. Usage:
#   fuzz/run.sh [TARGET...]      targets: decode sk mpsaput (default: all); FUZZ_SECONDS per target (default 300)
# Seeds: fuzz/corpus/TARGET (committed, real messages). New inputs grow out/fuzz/work/TARGET. A crash is copied to
# fuzz/regressions/TARGET/, which tests/Mpsa.Tests replays (FuzzCorpusTests): commit it with the fix.
# Prints one line per target and ends with "N passed, N failed, 0 skipped" (a target passes when nothing crashed);
# FUZZ_COUNT_FILE, when set, receives "passed failed skipped" for tests/run-suites.sh.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-300}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(decode sk mpsaput)
out="$root/out/fuzz"
cd "$root"

"$root/tests/install-deps.sh" clang libclang-rt-14-dev || exit 1
dotnet tool restore >/dev/null || { echo "fuzz: dotnet tool restore failed" >&2; exit 1; }
# A fresh publish every time: SharpFuzz instruments Mpsa.Ike.dll in place and refuses to do it twice.
rm -rf "$out/bin"; mkdir -p "$out"
dotnet publish fuzz/Mpsa.Fuzz/Mpsa.Fuzz.csproj -c Release -o "$out/bin" --nologo -v quiet -clp:NoSummary >"$out/publish.log" 2>&1 \
  || { cat "$out/publish.log" >&2; exit 1; }
dotnet tool run sharpfuzz "$out/bin/Mpsa.Ike.dll" >/dev/null || { echo "fuzz: instrumenting Mpsa.Ike.dll failed" >&2; exit 1; }
clang++ -O2 -fsanitize=fuzzer -o "$out/mpsa-libfuzzer" fuzz/driver/mpsa-libfuzzer.cc || exit 1

passed=0 failed=0 total_runs=0
for t in "${targets[@]}"; do
  mkdir -p "$out/work/$t" "$out/findings/$t"
  log="$out/$t.log"
  MPSA_FUZZ_CMD="dotnet $out/bin/Mpsa.Fuzz.dll $t" "$out/mpsa-libfuzzer" \
    -max_total_time="$seconds" -max_len=4096 -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$out/findings/$t/" "$out/work/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
  cov=$(grep -oE 'ft: [0-9]+' "$log" | tail -n 1 | sed 's/ft:/coverage features:/')
  crashes=("$out/findings/$t"/*)
  [ -e "${crashes[0]}" ] || crashes=()
  if [ ${#crashes[@]} -gt 0 ] || [ $rc -ne 0 ]; then
    mkdir -p "fuzz/regressions/$t"
    for c in "${crashes[@]}"; do cp "$c" "fuzz/regressions/$t/$(basename "$c")"; done
    echo "fuzz $t: FAIL after ${runs:-?} executions in ${seconds}s ($cov): ${#crashes[@]} finding(s) copied to fuzz/regressions/$t (exit $rc, log $log)"
    grep -m 20 -E 'Exception|at Mpsa|ERROR|deadly' "$log" | sed 's/^/  /'
    failed=$((failed + 1))
  else
    echo "fuzz $t: pass, ${runs:-?} executions in ${seconds}s, no crash ($cov, corpus $(ls "$out/work/$t" | wc -l) new inputs)"
    passed=$((passed + 1))
  fi
  total_runs=$((total_runs + ${runs:-0}))
done
echo "fuzz: $total_runs executions in total"
[ -n "${FUZZ_COUNT_FILE:-}" ] && echo "$passed $failed 0" >"$FUZZ_COUNT_FILE"
echo "$passed passed, $failed failed, 0 skipped"
[ $failed -eq 0 ]
