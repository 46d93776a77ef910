#!/usr/bin/env bash
# make-ipk.sh ARCH — builds out/mpsa-agent_<version>_<openwrt-arch>.ipk in the form OpenWrt's opkg reads: a gzip'd tar
# of ./debian-binary ("2.0"), ./data.tar.gz, ./control.tar.gz; every tar in GNU format (never pax), owner root:root
# (numeric), sorted, with fixed mtimes (SOURCE_DATE_EPOCH, default the last commit) so the same input gives the same
# bytes. Installed-Size is computed as OpenWrt's ipkg-build does it (bytes of the uncompressed data tar).
#
# It publishes the agent first (publish-agent.sh ARCH) unless MPSA_REUSE_AGENT=1 and out/agent/ARCH is there.
# Overridable: PKG_RELEASE (appended as -N to the version), PKG_LICENSE, PKG_MAINTAINER.
#
# data:  /usr/lib/mpsa/mpsa-agent          0755  the NativeAOT binary (musl)
#        /usr/lib/mpsa/libsodium.so        0755  libsodium, the exact version NSec needs (musl build)
#        /usr/sbin/mpsa-agent              ->    ../lib/mpsa/mpsa-agent (symlink)
#        /etc/init.d/mpsa                  0755  procd init script
#        /etc/mpsa/mpsa.conf               0600  commented example configuration (conffile)
#        /etc/capabilities/mpsa.json       0644  ujail capabilities (CAP_NET_ADMIN, CAP_NET_BIND_SERVICE)
# The binary lives beside libsodium.so because NativeAOT probes the directory of the real executable (symlinks
# resolved) first and by absolute path: no library search path (LD_LIBRARY_PATH, /usr/lib) is consulted for it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
owrt=$root/packaging/openwrt
arch=${1:-}
line=$(awk -v a="$arch" '$1 == a && $1 !~ /^#/' "$owrt/arches")
if [ -z "$arch" ] || [ -z "$line" ]; then
  echo "usage: $0 ARCH   (ARCH: $(awk '$1 !~ /^#/ {printf "%s ", $1}' "$owrt/arches"))" >&2
  exit 2
fi
read -r _ _ _ pkg_arch _ <<<"$line"
agent=$root/out/agent/$arch
if [ "${MPSA_REUSE_AGENT:-0}" != 1 ] || [ ! -f "$agent/build-info" ]; then
  "$root/packaging/build/publish-agent.sh" "$arch"
fi
info() { sed -n "s/^$1=//p" "$agent/build-info"; }
version=$(info version)${PKG_RELEASE:+-$PKG_RELEASE}
route=$(info route)
rid=$(info rid)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

stage=$root/out/ipk/$arch
rm -rf "$stage"
mkdir -p "$stage/data" "$stage/control"
d=$stage/data
install -d -m 0755 "$d/usr" "$d/usr/lib" "$d/usr/lib/mpsa" "$d/usr/sbin" "$d/etc" "$d/etc/init.d" "$d/etc/mpsa" "$d/etc/capabilities"
install -m 0755 "$agent/mpsa-agent" "$d/usr/lib/mpsa/mpsa-agent"
install -m 0755 "$agent/libsodium.so" "$d/usr/lib/mpsa/libsodium.so"
ln -s ../lib/mpsa/mpsa-agent "$d/usr/sbin/mpsa-agent"
install -m 0755 "$owrt/init.d/mpsa" "$d/etc/init.d/mpsa"
install -m 0600 "$owrt/mpsa.conf" "$d/etc/mpsa/mpsa.conf"
install -m 0644 "$owrt/capabilities/mpsa.json" "$d/etc/capabilities/mpsa.json"

tarc() { # DIR OUTPUT.tar.gz ENTRY...
  local dir=$1 outfile=$2
  shift 2
  tar --format=gnu --owner=0 --group=0 --numeric-owner --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$dir" -cf - "$@" | gzip -9n >"$outfile"
}
tarc "$d" "$stage/data.tar.gz" .
installed_size=$(gzip -dc "$stage/data.tar.gz" | wc -c)

c=$stage/control
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$pkg_arch|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
  -e "s|@LICENSE@|${PKG_LICENSE:-NOASSERTION}|" -e "s|@MAINTAINER@|${PKG_MAINTAINER:-mpsa project}|" \
  -e "s|@ROUTE@|$route, from the $rid NativeAOT output|" "$owrt/control.in" >"$c/control"
install -m 0644 "$owrt/conffiles" "$c/conffiles"
install -m 0755 "$owrt/postinst" "$c/postinst"
install -m 0755 "$owrt/prerm" "$c/prerm"
chmod 0644 "$c/control"
tarc "$c" "$stage/control.tar.gz" ./control ./conffiles ./postinst ./prerm

echo "2.0" >"$stage/debian-binary"
ipk=$root/out/mpsa-agent_${version}_${pkg_arch}.ipk
rm -f "$ipk"
tarc "$stage" "$ipk" ./debian-binary ./data.tar.gz ./control.tar.gz
echo "make-ipk: $arch: ${ipk#"$root"/} ($(stat -c %s "$ipk") bytes; Installed-Size $installed_size; route $route)"
