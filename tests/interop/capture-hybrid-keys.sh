#!/usr/bin/env bash
# capture-hybrid-keys.sh: known answers for the key update of an additional key exchange (RFC 9370 §2.2.2), from
# strongSwan 6 (its ml plugin): one charon-to-charon run per hybrid suite (tests/interop/run-interop.sh with
# INTEROP_STRONGSWAN6), whose responder log (ike = 4) holds both derivations: the first one from the X25519 secret and
# the nonces, then the update from the ML-KEM-768 secret and the first SK_d. Writes
# tests/Mpsa.Tests/Fixtures/strongswan6/<suite>.txt. Needs root and a strongSwan 6 build (packaging/build/strongswan6.sh).
#
# usage: tests/interop/capture-hybrid-keys.sh [SUITE...]   (default: the two hybrid suites of interop-lib.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT_DIR=${OUT_DIR:-$REPO/tests/Mpsa.Tests/Fixtures/strongswan6}
PREFIX=$("$REPO/packaging/build/strongswan6.sh")
VERSION=$("$PREFIX/libexec/ipsec/charon" --version)
if [ $# -gt 0 ]; then SUITES=("$@"); else SUITES=(chacha20poly1305-prfsha256-x25519-ke1_mlkem768 aes256-sha256-x25519-ke1_mlkem768); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT_DIR"
for suite in "${SUITES[@]}"; do
	INTEROP_STRONGSWAN6=$PREFIX "$HERE/run-interop.sh" charon-to-charon "$suite" "$work/$suite" >/dev/null 2>&1 ||
		{ echo "capture-hybrid-keys: $suite: run-interop.sh charon-to-charon failed ($work/$suite/result.txt)" >&2; cat "$work/$suite/result.txt" >&2; exit 1; }
	python3 - "$work/$suite/hub.charon.log" "$work/$suite/list-sas-hub.txt" "$suite" "$VERSION" >"$OUT_DIR/$suite.txt" <<'PY'
import re, sys
log, sas, suite, version = sys.argv[1:]
lines = open(log).read().split('\n')
header = re.compile(r'^\S+ (\d+)\[\w+\] <(?:[^|>]*\|)?\d+> (.*) => (\d+) bytes @ 0x[0-9a-f]+$')
row = re.compile(r'^\S+ (\d+)\[\w+\] (?:<[^>]*> )?\s*(\d+): ((?:[0-9A-F]{2} ?){1,16})')
dumps = []   # (label, bytes) in log order
for i, l in enumerate(lines):
    h = header.match(l)
    if not h:
        continue
    thread, label, n = h.group(1), h.group(2), int(h.group(3))
    data = bytearray()
    for m in (row.match(x) for x in lines[i + 1:]):
        if not m or m.group(1) != thread or int(m.group(2)) != len(data) or len(data) >= n:
            break
        data += bytes.fromhex(m.group(3))[: n - len(data)]
    dumps.append((label, bytes(data)))
def nth(label, k):
    found = [d for l, d in dumps if l == label]
    if len(found) <= k:
        sys.exit(f"{log}: '{label}' printed {len(found)} times, need {k + 1}")
    return found[k].hex()
spis = re.search(r'IKEv2, ([0-9a-f]{16})_i\*? ([0-9a-f]{16})_r', open(sas).read())
nonces = nth('nonces', 0)
print(f"# source: {version} charon initiator <-> charon responder (its ml plugin), PSK; the responder's log (ike = 4)")
print(f"# how: tests/interop/capture-hybrid-keys.sh {suite}")
print("# first: SKEYSEED = prf(Ni | Nr, g^ir), SK_* = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)")
print("# update (RFC 9370 2.2.2, after IKE_INTERMEDIATE): SKEYSEED = prf(SK_d, SK(ML-KEM-768) | Ni | Nr), SK_* = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)")
print(f"ike_proposal = {suite}")
print(f"spi_i = {spis.group(1)}")
print(f"spi_r = {spis.group(2)}")
print(f"ni = {nonces[: len(nonces) // 2]}")
print(f"nr = {nonces[len(nonces) // 2:]}")
print(f"g_ir = {nth('key exchange secret', 0)}")
print(f"mlkem_secret = {nth('key exchange secret', 1)}")
for k, tag in ((0, ''), (1, '_updated')):
    print(f"skeyseed{tag} = {nth('SKEYSEED', k)}")
    for key in ('d', 'ai', 'ar', 'ei', 'er', 'pi', 'pr'):
        label = f'Sk_{key} secret'
        have = [d for l, d in dumps if l == label]
        value = have[k].hex() if key not in ('ai', 'ar') or have else ''
        print(f"sk_{key}{tag} = {value}")
PY
	echo "capture-hybrid-keys: $suite -> ${OUT_DIR#"$REPO"/}/$suite.txt"
done
