#!/usr/bin/env bash
# stage.sh ARCH DIR [FLAVOUR] — lays out in DIR (emptied first) the files the agent's package installs (both flavours
# install the same paths), from the publish output of ARCH and FLAVOUR (flavour.sh) and packaging/openwrt; the .ipk (make-ipk.sh) and the .apk (make-apk.sh) are both made from this tree.
#   /usr/lib/mpsa/mpsa-agent          0755  the NativeAOT binary (musl)
#   /usr/lib/mpsa/libsodium.so        0755  libsodium, the exact version NSec needs (musl build)
#   /usr/sbin/mpsa-agent              ->    ../lib/mpsa/mpsa-agent (symlink)
#   /etc/init.d/mpsa                  0755  procd init script
#   /etc/mpsa/mpsa.conf               0600  commented example configuration (conffile)
#   /etc/capabilities/mpsa.json       0644  ujail capabilities (CAP_NET_ADMIN, CAP_NET_BIND_SERVICE)
# The binary lives beside libsodium.so because NativeAOT probes the directory of the real executable (symlinks
# resolved) first and by absolute path: no library search path (LD_LIBRARY_PATH, /usr/lib) is consulted for it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
owrt=$root/packaging/openwrt
arch=$1 d=$2
# shellcheck source-path=SCRIPTDIR source=flavour.sh
set -- "$1" "${3:-psk}"
. "$root/packaging/build/flavour.sh"
rm -rf "$d"
install -d -m 0755 "$d" "$d/usr" "$d/usr/lib" "$d/usr/lib/mpsa" "$d/usr/sbin" "$d/etc" "$d/etc/init.d" "$d/etc/mpsa" \
  "$d/etc/capabilities"
install -m 0755 "$agent/mpsa-agent" "$d/usr/lib/mpsa/mpsa-agent"
install -m 0755 "$agent/libsodium.so" "$d/usr/lib/mpsa/libsodium.so"
ln -s ../lib/mpsa/mpsa-agent "$d/usr/sbin/mpsa-agent"
install -m 0755 "$owrt/init.d/mpsa" "$d/etc/init.d/mpsa"
install -m 0600 "$owrt/mpsa.conf" "$d/etc/mpsa/mpsa.conf"
install -m 0644 "$owrt/capabilities/mpsa.json" "$d/etc/capabilities/mpsa.json"
