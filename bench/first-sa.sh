#!/usr/bin/env bash
# first-sa.sh [RUNS]: how long a charon CPE waits for its first group SA after its IKE_AUTH, against the controller:
# RUNS runs (default 10) of tests/interop/run-interop.sh charon-to-controller with Debian's strongSwan 5.9 and with
# strongSwan 6 (built once into the tools cache by packaging/build/strongswan6.sh), alternating. For each: the
# controller's first_sa_ms (IKE_AUTH response sent to MPSA_PUT acknowledged, its own monotonic clock) and whether
# charon dropped the first MPSA_PUT ("ignoring INFORMATIONAL in IKE_SA state CONNECTING": it was still taking in the
# IKE_AUTH response). Prints a Markdown table; needs root (network namespaces), like the interop tests.
set -uo pipefail
runs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
sw6=$("$root/packaging/build/strongswan6.sh") || { echo "first-sa: no strongSwan 6 (packaging/build/strongswan6.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
suite=chacha20poly1305-prfsha256-x25519

one() { # LABEL [ENV...]: one run; prints "first_sa_ms dropped"
	local label=$1 ev
	shift
	ev=$work/$label-$RANDOM
	env "$@" "$root/tests/interop/run-interop.sh" charon-to-controller "$suite" "$ev" >/dev/null 2>&1 || { echo "failed failed"; return; }
	local ms dropped
	ms=$(grep -o '"first_sa_ms": *[0-9]*' "$ev/controller-status.json" | grep -o '[0-9]*$')
	dropped=$(grep -c "ignoring INFORMATIONAL in IKE_SA state CONNECTING" "$ev/cpe.charon.log")
	echo "${ms:-none} $dropped"
}

declare -A all
for ((i = 1; i <= runs; i++)); do
	all[debian]+="$(one debian)"$'\n'
	all[sw6]+="$(one sw6 INTEROP_STRONGSWAN6="$sw6")"$'\n'
done

summary() { # LINES: "ms dropped" lines -> "median | max | runs with the first MPSA_PUT dropped | failed runs"
	local ms dropped failed n
	ms=$(awk '$1 ~ /^[0-9]+$/ { print $1 }' <<<"$1" | sort -n)
	n=$(grep -c . <<<"$ms")
	dropped=$(awk '$1 ~ /^[0-9]+$/ && $2 > 0' <<<"$1" | grep -c .)
	failed=$(awk 'NF && $1 !~ /^[0-9]+$/' <<<"$1" | grep -c .)
	if [ "$n" -gt 0 ]; then
		echo "$(awk -v n="$n" '{ v[NR] = $1 } END { print (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }' <<<"$ms") | $(tail -1 <<<"$ms") | $dropped of $n | $failed"
	else
		echo "- | - | - | $failed"
	fi
}
echo "Command: \`bench/first-sa.sh $runs\` ($(date -u +%Y-%m-%d), suite $suite, charon with kernel-libipsec in a network namespace)."
echo
echo "(\* after a run: charon dropped the first MPSA_PUT, and the early resend 250 ms later was answered.)"
echo
echo "| charon | median first_sa_ms | max | first MPSA_PUT dropped by charon | failed runs | every run (ms) |"
echo "|---|---:|---:|---:|---:|---|"
for c in debian sw6; do
	name=$([ $c = debian ] && dpkg-query -W -f='strongSwan ${Version}' strongswan-charon || "$sw6/libexec/ipsec/charon" --version)
	echo "| $name | $(summary "${all[$c]}") | $(awk 'NF { printf "%s%s", (NR > 1 ? " " : ""), $1 (($2 > 0) ? "*" : "") }' <<<"${all[$c]}") |"
done
