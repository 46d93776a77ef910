#!/usr/bin/env bash
# make-apk.sh ARCH — builds out/<openwrt-arch>/mpsa-agent-<version>.apk for OpenWrt 25.12+ (apk-tools v3, ADB format)
# the way OpenWrt's own build (include/package-pack.mk) does: `apk mkpkg` with name, version (apk syntax,
# <version>-r<release>), arch, description, license, origin, url, maintainer and depends, the scripts in
# packaging/openwrt/apk, and the files of packaging/build/stage.sh (the .ipk's tree) plus what apk-based OpenWrt
# keeps per package: /lib/apk/packages/mpsa-agent.list (every file and symlink), .conffiles, .conffiles_static (path
# and sha256). The two architectures share a file name, hence one directory each, as in OpenWrt's feeds.
#
# apk comes from packaging/build/apk-tools.sh (APK=/path/to/apk to choose one). It publishes the agent first
# (publish-agent.sh ARCH) unless MPSA_REUSE_AGENT=1 and out/agent/ARCH is there.
# Overridable: PKG_RELEASE (default 1), PKG_LICENSE, PKG_MAINTAINER, PKG_URL, PKG_OUTDIR (default out/<openwrt-arch>);
# SOURCE_DATE_EPOCH (default the last commit) is the mtime of every file.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
owrt=$root/packaging/openwrt
# shellcheck source-path=SCRIPTDIR source=arch.sh
. "$root/packaging/build/arch.sh"
# apk mkpkg records each file's owner as it finds it; the package must say root.
[ "$(id -u)" -eq 0 ] || { echo "make-apk: run as root (or under fakeroot): apk mkpkg records file owners" >&2; exit 1; }
apk=$("$root/packaging/build/apk-tools.sh")
agent=$root/out/agent/$arch
if [ "${MPSA_REUSE_AGENT:-0}" != 1 ] || [ ! -f "$agent/build-info" ]; then
  "$root/packaging/build/publish-agent.sh" "$arch"
fi
info() { sed -n "s/^$1=//p" "$agent/build-info"; }
version=$(info version)-r${PKG_RELEASE:-1}
"$apk" version --check --quiet "$version" || { echo "make-apk: '$version' is not an apk version" >&2; exit 1; }
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

# The metadata the .ipk's control.in holds, in apk's form (depends separated by spaces, a one-line description).
field() { sed -n "s/^$1: *//p" "$owrt/control.in"; }
depends=$(field Depends | tr -d ' ' | tr ',' ' ')
description="$(field Description). $(sed -n '/^Description:/,$p' "$owrt/control.in" | sed -n 's/^ //p' |
  sed "s|@ROUTE@|$(info route), from the $(info rid) NativeAOT output|" | tr '\n' ' ' | sed 's/ *$//')"

stage=$root/out/apk/$arch
files=$stage/files
rm -rf "$stage"
mkdir -p "$stage"
"$root/packaging/build/stage.sh" "$arch" "$files"
pk=$files/lib/apk/packages
install -d -m 0755 "$files/lib" "$files/lib/apk" "$pk"
(cd "$files" && find . -type f,l -printf '/%P\n' | sort) >"$stage/list"
install -m 0644 "$stage/list" "$pk/mpsa-agent.list"
install -m 0644 "$owrt/conffiles" "$pk/mpsa-agent.conffiles"
while read -r f; do
  echo "$f $(sha256sum "$files$f" | cut -d' ' -f1)"
done <"$owrt/conffiles" >"$stage/conffiles_static"
install -m 0644 "$stage/conffiles_static" "$pk/mpsa-agent.conffiles_static"
find "$files" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

out=${PKG_OUTDIR:-$root/out/$pkg_arch}/mpsa-agent-$version.apk
mkdir -p "$(dirname "$out")"
rm -f "$out"
"$apk" mkpkg \
  --info "name:mpsa-agent" \
  --info "version:$version" \
  --info "description:$description" \
  --info "arch:$pkg_arch" \
  --info "license:${PKG_LICENSE:-NOASSERTION}" \
  --info "origin:$(field Source)" \
  --info "url:${PKG_URL:-}" \
  --info "maintainer:${PKG_MAINTAINER:-mpsa project}" \
  --info "depends:$depends" \
  --script "post-install:$owrt/apk/post-install" \
  --script "post-upgrade:$owrt/apk/post-upgrade" \
  --script "pre-deinstall:$owrt/apk/pre-deinstall" \
  --files "$files" \
  --output "$out"
echo "make-apk: $arch: ${out#"$root"/} ($(stat -c %s "$out") bytes; version $version; route $(info route))"
