#!/usr/bin/env bash
# test-noglibc.sh [ARCH [ipk|apk]] — runs the packaged agent (default ARCH x86_64, the .ipk) in a root that holds no
# glibc at all: only the musl loader (/lib/ld-musl-ARCH.so.1, from Debian's musl) and the package's files (the .ipk's
# data.tar.gz, or the .apk installed by apk-tools v3 with `apk add --root --initdb`). No libssl either. In a chroot (and a private mount namespace with /proc, as on a router), it must:
#   mpsa-agent version; mpsa-agent self-check (crypto known answer + whole in-memory IKE exchange, default suite);
#   mpsa-agent check-config --config /etc/mpsa/mpsa.conf (the shipped example);
# and keep using the packaged libsodium when a decoy libsodium.so sits in /usr/lib and LD_LIBRARY_PATH points there;
# and take or refuse group SAs from mpsa-controller for every algorithm it can push (noglibc-algorithms.sh).
# For a foreign ARCH (aarch64) the chroot also holds qemu-ARCH-static, the user-mode emulator that runs it.
# Needs root (chroot, unshare). Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
arch=${1:-x86_64}
format=${2:-ipk}
[ "$(id -u)" -eq 0 ] || { echo "test-noglibc: needs root (chroot)"; echo "0 passed, 1 failed"; exit 1; }
"$root/packaging/build/deps.sh" "$arch" >&2 || { echo "0 passed, 1 failed"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
R=$work/root
case "$format" in
  ipk)
    ipk=$(ipk_for "$arch") || { echo "test-noglibc: no package for $arch"; echo "0 passed, 1 failed"; exit 1; }
    echo "# $ipk"
    check "the package unpacks the way opkg reads it" unpack_ipk "$ipk" "$work" ;;
  apk)
    apk=$("$root/packaging/build/apk-tools.sh"); rc=$?
    [ $rc -eq 3 ] && { echo "# test-noglibc: skipped, no apk-tools v3"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
    [ $rc -eq 0 ] || { echo "test-noglibc: no apk-tools v3"; echo "0 passed, 1 failed"; exit 1; }
    pkg=$(apk_for "$arch") || { echo "test-noglibc: no .apk for $arch"; echo "0 passed, 1 failed"; exit 1; }
    echo "# $pkg"
    mkdir -p "$R"
    check "the test's dependency stub builds" stub_apk "$apk" "$(pkg_arch "$arch")" "$work"
    check "apk add --root --initdb installs the package" "$apk" add --root "$R" --initdb --arch "$(pkg_arch "$arch")" \
      --allow-untrusted --no-network --no-scripts "$work/base-stub.apk" "$pkg" ;;
  *) echo "usage: $0 [ARCH [ipk|apk]]"; echo "0 passed, 1 failed"; exit 1 ;;
esac
mkdir -p "$R/lib" "$R/proc" "$R/tmp"
cp "$(musl_loader "$arch")" "$R/lib/ld-musl-$arch.so.1"
emu=()
if [ "$arch" != "$(uname -m)" ]; then
  cp "$(command -v "qemu-$arch-static")" "$R/qemu-$arch-static"
  emu=("/qemu-$arch-static")
fi

# What the root holds: the musl loader, the package, (the emulator); nothing from glibc, no libssl, no other libsodium.
glibc=$(find "$R" \( -name 'libc.so.6' -o -name 'ld-linux*' -o -name 'libm.so.6' -o -name 'libpthread.so*' -o -name 'libdl.so*' \) | head -n 1)
check "no glibc file anywhere in the root" test -z "$glibc"
check "no libssl/libcrypto in the root" test -z "$(find "$R" -name 'libssl*' -o -name 'libcrypto*')"
check "exactly one libsodium in the root (the package's)" test "$(find "$R" -name 'libsodium*' | wc -l)" -eq 1
interp=$(readelf -l "$R/usr/lib/mpsa/mpsa-agent" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
check "the binary's interpreter is the musl loader ($interp)" test "$interp" = "/lib/ld-musl-$arch.so.1"
stack=$(readelf -lW "$R/usr/lib/mpsa/mpsa-agent" | awk '$1 == "GNU_STACK" {print $6}')
check "the binary asks musl for 1.5 MiB thread stacks (PT_GNU_STACK $stack)" test "$((stack))" -eq 1572864
check "the binary needs nothing but musl's libc.so" test "$(readelf -d "$R/usr/lib/mpsa/mpsa-agent" | grep -c NEEDED)" -eq 1

# run ARGS... — the agent in the chroot, /proc mounted in a private mount namespace; output in $work/out.
# AGENT_LD_LIBRARY_PATH, when set, is the agent's LD_LIBRARY_PATH (the root has no env program to set it inside).
run() {
  unshare -m --propagation private sh -c \
    'mount -t proc proc "$1/proc" && shift && exec env ${AGENT_LD_LIBRARY_PATH:+LD_LIBRARY_PATH=$AGENT_LD_LIBRARY_PATH} chroot "$@"' \
    sh "$R" "$R" ${emu[@]+"${emu[@]}"} "$@" >"$work/out" 2>&1
}
contains() { grep -q -- "$1" "$work/out"; }

run /usr/sbin/mpsa-agent version
rc=$?
echo "#   version: $(head -n 1 "$work/out")"
check "mpsa-agent version exits 0" test "$rc" -eq 0
check "mpsa-agent version prints its version" contains "^mpsa-agent [0-9]"

run /usr/sbin/mpsa-agent self-check
rc=$?
sed 's/^/#   /' "$work/out"
check "mpsa-agent self-check exits 0 without glibc and without libssl" test "$rc" -eq 0
check "self-check OK (known answer + default-suite exchange)" contains "^self-check OK:"
check "self-check says which algorithms it offers, and that libssl is absent" contains "^algorithms offered here: .*no libssl"
# NAT detection's SHA-1 from the kernel (AF_ALG) where it has one; else self-check says why not (no AF_ALG in this
# kernel, as in most containers): either way one answer, never both.
check "self-check says where NAT detection's SHA-1 comes from, or why there is none" sh -c \
  "grep -q \"NAT detection with the kernel's SHA-1 (AF_ALG)\" '$work/out' && ! grep -q '^no NAT detection' '$work/out' ||
   grep -q '^no NAT detection: no AF_ALG socket: ' '$work/out'"

run /usr/sbin/mpsa-agent check-config --config /etc/mpsa/mpsa.conf
rc=$?
check "check-config accepts the shipped example configuration" test "$rc" -eq 0
check "check-config says so" contains "configuration OK"

# A decoy system libsodium that would abort the process if it were loaded.
echo "not a library" >"$R/usr/lib/libsodium.so"
AGENT_LD_LIBRARY_PATH=/usr/lib run /usr/sbin/mpsa-agent self-check
rc=$?
check "a decoy /usr/lib/libsodium.so on LD_LIBRARY_PATH is never picked (self-check still OK)" test "$rc" -eq 0
rm -f "$R/usr/lib/libsodium.so"

# The loader resolves the symlink /usr/sbin/mpsa-agent; NativeAOT probes the real binary's directory: removing the
# packaged libsodium must make self-check fail (proof that the packaged one is what was used).
mv "$R/usr/lib/mpsa/libsodium.so" "$work/libsodium.so"
run /usr/sbin/mpsa-agent self-check
rc=$?
check "without the packaged libsodium.so, self-check fails (it is the one in use)" test "$rc" -ne 0
mv "$work/libsodium.so" "$R/usr/lib/mpsa/libsodium.so"

# Group SAs with every algorithm a controller can push, from our controller on this host.
. "$(dirname "$0")/noglibc-algorithms.sh"

finish
