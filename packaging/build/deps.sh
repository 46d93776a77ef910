#!/usr/bin/env bash
# deps.sh ARCH... — installs (idempotently, from Debian's packages) what building and testing the OpenWrt package of
# mpsa-agent needs for the named architectures (x86_64, aarch64). Needs root when something is missing.
#   all:     gcc (musl link driver), llvm (llvm-objcopy/llvm-strip), file, shellcheck, busybox-static (ash, and a static shell for the test roots), python3 (tar format checks), tar, gzip, xz-utils (make bench: compressed sizes)
#   x86_64:  musl, musl-dev (loader /lib/ld-musl-x86_64.so.1, libc.so, crt files)
#   aarch64: gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu, libc6-dev-arm64-cross, musl:arm64, musl-dev:arm64
#            (Debian multiarch: the arm64 architecture is added to dpkg), qemu-user, qemu-user-static
set -euo pipefail
pkgs=(gcc libc6-dev llvm binutils file shellcheck busybox-static tar gzip xz-utils python3)
need_arm64=0
for arch in "$@"; do
  case "$arch" in
    x86_64) pkgs+=(musl musl-dev) ;;
    aarch64) need_arm64=1
      pkgs+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross musl:arm64 musl-dev:arm64 qemu-user qemu-user-static) ;;
    *) echo "deps: unknown architecture '$arch' (x86_64|aarch64)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing Debian packages (${missing[*]}) and not root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$need_arm64" = 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "deps: adding the arm64 architecture to dpkg (for musl:arm64)"
  dpkg --add-architecture arm64
fi
echo "deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
