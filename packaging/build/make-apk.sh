#!/usr/bin/env bash
# make-apk.sh ARCH [FLAVOUR] — builds out/<openwrt-arch>/<package>-<version>.apk (mpsa-agent, or mpsa-agent-openssl for
# FLAVOUR openssl: packaging/build/flavour.sh) for OpenWrt 25.12+ (apk-tools v3, ADB format)
# the way OpenWrt's own build (include/package-pack.mk) does: `apk mkpkg` with name, version (apk syntax,
# <version>-r<release>), arch, description, license, origin, url, maintainer and depends, the scripts in
# packaging/openwrt/apk (with the package's name filled in), and the files of packaging/build/stage.sh (the .ipk's
# tree) plus what apk-based OpenWrt keeps per package: /lib/apk/packages/<package>.list (every file and symlink),
# .conffiles, .conffiles_static (path and sha256). The two flavours conflict (each depends on !other) and replace
# each other's files (replaces). The two architectures share a file name, hence one
# directory each, as in OpenWrt's feeds.
#
# apk comes from packaging/build/apk-tools.sh (APK=/path/to/apk to choose one). It publishes the agent first
# (publish-agent.sh ARCH FLAVOUR) unless MPSA_REUSE_AGENT=1 and its output is there.
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
# shellcheck source-path=SCRIPTDIR source=flavour.sh
. "$root/packaging/build/flavour.sh"
ensure_agent
version=$(info version)-r${PKG_RELEASE:-1}
"$apk" version --check --quiet "$version" || { echo "make-apk: '$version' is not an apk version" >&2; exit 1; }
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

# The metadata of the .ipk's control file, in apk's form (depends separated by spaces, a one-line description).
control=$(control_for "$version" 0 "$(info route), from the $(info rid) NativeAOT output")
field() { sed -n "s/^$1: *//p" <<<"$control"; }
# The other flavour as a conflict (!name): apk swaps them in one transaction with `apk add <other> '!<this>'`.
apk_depends="$(field Depends | tr -d ' ' | tr ',' ' ') !$other_pkg"
description="$(field Description). $(sed -n '/^Description:/,$p' <<<"$control" | sed -n 's/^ //p' | tr '\n' ' ' | sed 's/ *$//')"

stage=$root/out/apk/$agent_dir
files=$stage/files
rm -rf "$stage"
mkdir -p "$stage"
"$root/packaging/build/stage.sh" "$arch" "$files" "$flavour"
pk=$files/lib/apk/packages
install -d -m 0755 "$files/lib" "$files/lib/apk" "$pk"
(cd "$files" && find . -type f,l -printf '/%P\n' | sort) >"$stage/list"
install -m 0644 "$stage/list" "$pk/$pkg_name.list"
install -m 0644 "$owrt/conffiles" "$pk/$pkg_name.conffiles"
while read -r f; do
  echo "$f $(sha256sum "$files$f" | cut -d' ' -f1)"
done <"$owrt/conffiles" >"$stage/conffiles_static"
install -m 0644 "$stage/conffiles_static" "$pk/$pkg_name.conffiles_static"
find "$files" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

out=${PKG_OUTDIR:-$root/out/$pkg_arch}/$pkg_name-$version.apk
# The scripts name their package (OpenWrt's default_postinst/default_prerm read its .list).
for s in post-install post-upgrade pre-deinstall; do
  sed "s/^export root=\"\" pkgname=mpsa-agent\$/export root=\"\" pkgname=$pkg_name/" "$owrt/apk/$s" >"$stage/$s"
done
mkdir -p "$(dirname "$out")"
rm -f "$out"
"$apk" mkpkg \
  --info "name:$pkg_name" \
  --info "version:$version" \
  --info "description:$description" \
  --info "arch:$pkg_arch" \
  --info "license:${PKG_LICENSE:-NOASSERTION}" \
  --info "origin:$(field Source)" \
  --info "url:${PKG_URL:-}" \
  --info "maintainer:${PKG_MAINTAINER:-mpsa project}" \
  --info "depends:$apk_depends" \
  --info "replaces:$other_pkg" \
  --script "post-install:$stage/post-install" \
  --script "post-upgrade:$stage/post-upgrade" \
  --script "pre-deinstall:$stage/pre-deinstall" \
  --files "$files" \
  --output "$out"
echo "make-apk: $arch: ${out#"$root"/} ($(stat -c %s "$out") bytes; version $version; route $(info route))"
