#!/usr/bin/env bash
# strongswan6.sh — prints the install prefix of a strongSwan 6.0.6 build (PREFIX/libexec/ipsec/charon,
# PREFIX/sbin/swanctl, with the `ml` plugin for ML-KEM): the independent post-quantum IKEv2 peer of the interop
# tests (Debian 12 ships strongSwan 5.9.8, without ML-KEM).
# In order: $STRONGSWAN6_PREFIX when set (its charon must be 6.x); the one built before in the tools cache
# (MPSA_TOOLS_CACHE, default ~/.cache/mpsa-tools: outside the clone, so later runs and fresh clones reuse it; never
# rebuilt once installed and stamped); else builds it once there from STRONGSWAN6_TARBALL (default
# ../shared/tools/strongswan-6.0.6.tar.gz beside the repository, a git archive: autogen.sh first) with Debian's
# autotools, only the plugins the tests use, openssl and gmp. Without any of these it stops with one line saying
# what it needs, exit status 3 (a bad STRONGSWAN6_PREFIX or a failed build: 1).
# The build runs in CACHE/strongswan-VERSION/src and installs (DESTDIR) into stage/, then the prefix is renamed into
# place and the stamp written: an interrupted build leaves no prefix and is rebuilt next time. One build at a time
# (flock on CACHE/strongswan-VERSION.lock).
# Build log: CACHE/strongswan-VERSION/build.log. Everything but the path goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=6.0.6
tarball=${STRONGSWAN6_TARBALL:-$(dirname "$root")/shared/tools/strongswan-$version.tar.gz}
dir=${MPSA_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpsa-tools}/strongswan-$version
prefix=$dir/prefix
stamp=$dir/installed.stamp
# Debian packages the build needs (also in the Makefile's APT_PACKAGES, for CI).
# python3: a git archive generates its config files and man pages with conf/format-options.py.
build_deps=(gcc make autoconf automake libtool gperf flex bison gettext pkg-config python3 libgmp-dev libssl-dev)
configure_opts=(--disable-defaults --enable-charon --enable-ikev2 --enable-swanctl --enable-vici --enable-ml
  --enable-openssl --enable-gmp --enable-kernel-libipsec --enable-libipsec --enable-chapoly --enable-curve25519
  --enable-kdf --enable-nonce --enable-random --enable-aes --enable-sha1 --enable-sha2 --enable-hmac --enable-gcm
  --enable-kernel-netlink --enable-socket-default --enable-pem --enable-x509 --enable-pubkey --enable-pkcs1
  --enable-pkcs8)
# What the stamp holds: a cached prefix built with other options is not this one.
stamp_text="strongSwan $version ${configure_opts[*]}"

# The version charon itself reports ("strongSwan 6.0.6"); `charon --version` needs no daemon, no root and no config.
charon_version() { "$1/libexec/ipsec/charon" --version 2>/dev/null | head -n 1; }
is_v6() {
  [ -x "$1/libexec/ipsec/charon" ] && [ -x "$1/sbin/swanctl" ] && charon_version "$1" | grep -q '^strongSwan 6\.'
}

if [ -n "${STRONGSWAN6_PREFIX:-}" ]; then
  is_v6 "$STRONGSWAN6_PREFIX" && { echo "$STRONGSWAN6_PREFIX"; exit 0; }
  echo "strongswan6: STRONGSWAN6_PREFIX=$STRONGSWAN6_PREFIX has no strongSwan 6 libexec/ipsec/charon and sbin/swanctl" \
    "($(charon_version "$STRONGSWAN6_PREFIX" || true))" >&2
  exit 1
fi
cached() { [ "$(cat "$stamp" 2>/dev/null)" = "$stamp_text" ] && is_v6 "$prefix"; }
if cached; then
  echo "$prefix"
  exit 0
fi
if [ ! -f "$tarball" ]; then
  echo "strongswan6: need strongSwan 6: STRONGSWAN6_PREFIX=/path/to/prefix, or its source at $tarball" >&2
  exit 3
fi

mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
# another run may have built it while this one waited for the lock
if cached; then
  echo "$prefix"
  exit 0
fi
"$root/tests/install-deps.sh" "${build_deps[@]}" >&2
echo "strongswan6: building strongSwan $version once into $dir (a few minutes; log: build.log)" >&2
start=$SECONDS
rm -rf "$dir/src" "$dir/stage" "$prefix" "$stamp"
mkdir -p "$dir/src"
tar -xzf "$tarball" -C "$dir/src" --strip-components=1
(
  cd "$dir/src"
  ./autogen.sh && ./configure --prefix="$prefix" --sysconfdir="$prefix/etc" "${configure_opts[@]}" &&
    make -j2 && make install DESTDIR="$dir/stage"
) >"$dir/build.log" 2>&1 || { tail -n 20 "$dir/build.log" >&2; echo "strongswan6: build failed" >&2; exit 1; }
mv "$dir/stage$prefix" "$prefix"
rm -rf "$dir/stage" "$dir/src"
is_v6 "$prefix" || { echo "strongswan6: $prefix/libexec/ipsec/charon does not report version 6" >&2; exit 1; }
echo "$stamp_text" >"$stamp"
echo "strongswan6: built $(charon_version "$prefix") in $((SECONDS - start)) s" >&2
echo "$prefix"
