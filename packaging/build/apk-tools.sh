#!/usr/bin/env bash
# apk-tools.sh — prints the path of an apk-tools v3 `apk` (OpenWrt 25.12+ packages are made and installed with it).
# In order: $APK when set (must be v3); `apk` from PATH when it is v3; the one built before in the tools cache
# (MPSA_TOOLS_CACHE, default ~/.cache/mpsa-tools: outside the clone, so later runs and fresh clones reuse it; never
# rebuilt); else builds it once there from APK_TOOLS_TARBALL (default ../shared/tools/apk-tools-3.0.6.tar.gz beside
# the repository) with Debian's meson and ninja, a static libapk and no lua, docs, help, python or tests. Without
# any of these it stops with one line saying what it needs, exit status 3 (a failed build: 1).
# Build log: CACHE/apk-tools-VERSION/build.log. Everything but the path goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=3.0.6
tarball=${APK_TOOLS_TARBALL:-$(dirname "$root")/shared/tools/apk-tools-$version.tar.gz}
dir=${MPSA_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpsa-tools}/apk-tools-$version
built=$dir/build/src/apk
# Debian packages the build needs (also in the Makefile's APT_PACKAGES, for CI).
build_deps=(gcc meson ninja-build pkg-config libssl-dev zlib1g-dev libzstd-dev)

is_v3() { "$1" --version 2>/dev/null | grep -q '^apk-tools 3\.'; }

if [ -n "${APK:-}" ]; then
  is_v3 "$APK" && { echo "$APK"; exit 0; }
  echo "apk-tools: APK=$APK is not apk-tools v3 ($("$APK" --version 2>&1 | head -n 1))" >&2
  exit 1
fi
if command -v apk >/dev/null && is_v3 "$(command -v apk)"; then
  command -v apk
  exit 0
fi
if [ -x "$built" ] && is_v3 "$built"; then
  echo "$built"
  exit 0
fi
if [ ! -f "$tarball" ]; then
  echo "apk-tools: need apk-tools v3: an apk 3.x on PATH, APK=/path/to/apk, or its source at $tarball" >&2
  exit 3
fi

"$root/tests/install-deps.sh" "${build_deps[@]}" >&2
echo "apk-tools: building apk-tools $version once into $dir (log: build.log)" >&2
rm -rf "$dir"
mkdir -p "$dir"
tar -xzf "$tarball" -C "$dir" --strip-components=1
(
  cd "$dir"
  meson setup build -Dlua=disabled -Ddocs=disabled -Dhelp=disabled -Dpython=disabled -Dtests=disabled \
    -Ddefault_library=static && ninja -C build src/apk
) >"$dir/build.log" 2>&1 || { tail -n 20 "$dir/build.log" >&2; echo "apk-tools: build failed" >&2; exit 1; }
is_v3 "$built" || { echo "apk-tools: $built does not report version 3" >&2; exit 1; }
echo "apk-tools: built $("$built" --version)" >&2
echo "$built"
