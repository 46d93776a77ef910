# Shared by the packaging tests (bash). Each test sources this, calls `check` for every assertion and ends with
# `finish`, which prints "N passed, N failed" (", N skipped" when some were) and sets the exit status.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
owrt=$root/packaging/openwrt
passed=0 failed=0 skipped=0

# check NAME COMMAND... — runs COMMAND; pass when it exits 0.
check() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1))
    echo "ok   - $name"
  else
    failed=$((failed + 1))
    echo "FAIL - $name"
  fi
}

skip() {
  skipped=$((skipped + 1))
  echo "skip - $1"
}

finish() {
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
}

# pkg_arch ARCH — the OpenWrt package architecture of ARCH (packaging/openwrt/arches).
pkg_arch() { awk -v a="$1" '$1 == a && $1 !~ /^#/ {print $4}' "$owrt/arches"; }

# ipk_for ARCH — the path of the built package for ARCH; builds it (make-ipk.sh, reusing out/agent/ARCH when there)
# when out/ holds none. Prints nothing else on stdout.
ipk_for() {
  local arch=$1 pa ipk
  pa=$(pkg_arch "$arch")
  ipk=$(ls "$root"/out/mpsa-agent_*_"$pa".ipk 2>/dev/null | head -n 1)
  if [ -z "$ipk" ]; then
    MPSA_REUSE_AGENT=1 "$root/packaging/build/make-ipk.sh" "$arch" >&2 || return 1
    ipk=$(ls "$root"/out/mpsa-agent_*_"$pa".ipk 2>/dev/null | head -n 1)
  fi
  [ -n "$ipk" ] && echo "$ipk"
}

# unpack_ipk IPK DIR — the way opkg reads it: outer gzip'd tar, then control.tar.gz and data.tar.gz.
# DIR/pkg holds the three members, DIR/control the control files, DIR/root the installed files.
unpack_ipk() {
  local ipk=$1 dir=$2
  mkdir -p "$dir/pkg" "$dir/control" "$dir/root"
  tar -xzf "$ipk" -C "$dir/pkg" &&
    tar -xzf "$dir/pkg/control.tar.gz" -C "$dir/control" &&
    tar --numeric-owner -xpzf "$dir/pkg/data.tar.gz" -C "$dir/root"
}

# musl_loader ARCH — the host's musl dynamic loader for ARCH (Debian's musl package for that architecture).
musl_loader() { readlink -f "/lib/ld-musl-$1.so.1"; }

# apk_for ARCH — the path of the built .apk for ARCH (out/<openwrt-arch>/); builds it (make-apk.sh, reusing
# out/agent/ARCH when there) when out/ holds none. Prints nothing else on stdout.
apk_for() {
  local arch=$1 pa pkg
  pa=$(pkg_arch "$arch")
  pkg=$(ls "$root"/out/"$pa"/mpsa-agent-[0-9]*.apk 2>/dev/null | head -n 1)
  if [ -z "$pkg" ]; then
    MPSA_REUSE_AGENT=1 "$root/packaging/build/make-apk.sh" "$arch" >&2 || return 1
    pkg=$(ls "$root"/out/"$pa"/mpsa-agent-[0-9]*.apk 2>/dev/null | head -n 1)
  fi
  [ -n "$pkg" ] && echo "$pkg"
}

# stub_apk APK ARCH DIR [MORE] — DIR/base-stub.apk: an empty package for OpenWrt architecture ARCH that provides what the
# agent's package depends on (libc, kmod-ipsec, kmod-ipsec4, kmod-crypto-user, and MORE, e.g. "libopenssl3=3"), as an OpenWrt root's own
# packages would.
stub_apk() {
  mkdir -p "$3/stub-files" &&
    "$1" mkpkg --info name:openwrt-base-stub --info version:1-r0 --info "arch:$2" --info "description:test stand-in" \
      --info "provides:libc=1 kmod-ipsec=1 kmod-ipsec4=1 kmod-crypto-user=1${4:+ $4}" --files "$3/stub-files" --output "$3/base-stub.apk"
}

# owrt_root DIR ARCH — an OpenWrt-like root: static busybox as every tool, the musl loader for ARCH, the recording
# procd/logd stand-ins of tests/packaging/openwrt-root.
owrt_root() {
  mkdir -p "$1/bin" "$1/sbin" "$1/lib" "$1/tmp" "$1/dev" "$1/etc/rc.d"
  mknod -m 0666 "$1/dev/null" c 1 3 2>/dev/null || : >"$1/dev/null"
  cp /bin/busybox "$1/bin/busybox"
  chroot "$1" /bin/busybox --install -s /bin
  cp "$(musl_loader "$2")" "$1/lib/ld-musl-$2.so.1"
  cp -a "$root/tests/packaging/openwrt-root/." "$1/"
  mv "$1/rc.common" "$1/etc/rc.common"
}
