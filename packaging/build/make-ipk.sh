#!/usr/bin/env bash
# make-ipk.sh ARCH [FLAVOUR] — builds out/<package>_<version>_<openwrt-arch>.ipk (package mpsa-agent, or
# mpsa-agent-openssl for FLAVOUR openssl: packaging/build/flavour.sh) in the form OpenWrt's opkg reads: a gzip'd tar
# of ./debian-binary ("2.0"), ./data.tar.gz, ./control.tar.gz; every tar in GNU format (never pax), owner root:root
# (numeric), sorted, with fixed mtimes (SOURCE_DATE_EPOCH, default the last commit) so the same input gives the same
# bytes. Installed-Size is computed as OpenWrt's ipkg-build does it (bytes of the uncompressed data tar).
#
# It publishes the agent first (publish-agent.sh ARCH FLAVOUR) unless MPSA_REUSE_AGENT=1 and its output is there.
# Overridable: PKG_RELEASE (appended as -N to the version), PKG_LICENSE, PKG_MAINTAINER.
#
# data:  the tree packaging/build/stage.sh lays out (the .apk is made from the same one).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
owrt=$root/packaging/openwrt
# shellcheck source-path=SCRIPTDIR source=arch.sh
. "$root/packaging/build/arch.sh"
# shellcheck source-path=SCRIPTDIR source=flavour.sh
. "$root/packaging/build/flavour.sh"
ensure_agent
version=$(info version)${PKG_RELEASE:+-$PKG_RELEASE}
route=$(info route)
rid=$(info rid)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

stage=$root/out/ipk/$agent_dir
rm -rf "$stage"
mkdir -p "$stage/control"
d=$stage/data
"$root/packaging/build/stage.sh" "$arch" "$d" "$flavour"

tarc() { # DIR OUTPUT.tar.gz ENTRY...
  local dir=$1 outfile=$2
  shift 2
  tar --format=gnu --owner=0 --group=0 --numeric-owner --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$dir" -cf - "$@" | gzip -9n >"$outfile"
}
tarc "$d" "$stage/data.tar.gz" .
installed_size=$(gzip -dc "$stage/data.tar.gz" | wc -c)

c=$stage/control
control_for "$version" "$installed_size" "$route, from the $rid NativeAOT output" >"$c/control"
install -m 0644 "$owrt/conffiles" "$c/conffiles"
install -m 0755 "$owrt/postinst" "$c/postinst"
install -m 0755 "$owrt/prerm" "$c/prerm"
chmod 0644 "$c/control"
tarc "$c" "$stage/control.tar.gz" ./control ./conffiles ./postinst ./prerm

echo "2.0" >"$stage/debian-binary"
ipk=$root/out/${pkg_name}_${version}_${pkg_arch}.ipk
rm -f "$ipk"
tarc "$stage" "$ipk" ./debian-binary ./data.tar.gz ./control.tar.gz
echo "make-ipk: $arch: ${ipk#"$root"/} ($(stat -c %s "$ipk") bytes; Installed-Size $installed_size; route $route)"
