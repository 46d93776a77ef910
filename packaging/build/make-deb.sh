#!/usr/bin/env bash
# make-deb.sh ARCH — builds out/mpsa-controller_<version>_<ARCH>.deb (ARCH: amd64 or arm64) with dpkg-deb.
#
# The controller is published self-contained and trimmed (the .NET runtime inside, ~30 MB): Debian's archive has no
# .NET 10 runtime, and a package that needs Microsoft's apt repository first is one step more for every operator.
# NativeAOT is not needed on a server (and JIT start-up is a fraction of a second).
#
# data:  /usr/lib/mpsa-controller/            the published application (mpsa-controller, its assemblies, libsodium)
#        /usr/bin/mpsa-controller             -> ../lib/mpsa-controller/mpsa-controller
#        /lib/systemd/system/mpsa-controller.service
#        /etc/mpsa/controller.conf            0600 conffile (postinst gives it to user mpsa); log_format = systemd
#        /usr/share/doc/mpsa-controller/      copyright, changelog.Debian.gz, README.md, the Grafana dashboard
#        /usr/share/man/man8/mpsa-controller.8.gz, /usr/share/lintian/overrides/mpsa-controller (each tag explained)
# control: control, conffiles, md5sums, postinst (system user mpsa, state directory), prerm, postrm.
# Overridable: PKG_RELEASE (Debian revision, default 1), PKG_MAINTAINER, MPSA_REUSE_CONTROLLER=1 (keep out/controller/ARCH).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
deb=$root/packaging/debian
arch=${1:-}
case $arch in
  amd64) rid=linux-x64 ;;
  arm64) rid=linux-arm64 ;;
  *) echo "usage: $0 amd64|arm64" >&2; exit 2 ;;
esac
upstream=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' "$root/Directory.Build.props")
version=$upstream-${PKG_RELEASE:-1}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

app=$root/out/controller/$arch
if [ "${MPSA_REUSE_CONTROLLER:-0}" != 1 ] || [ ! -x "$app/mpsa-controller" ]; then
  rm -rf "$app"
  dotnet publish "$root/controller/Mpsa.Controller/Mpsa.Controller.csproj" -c Release -r "$rid" --self-contained \
    -p:PublishTrimmed=true -p:DebugType=none -p:GenerateDocumentationFile=false -o "$app" -nologo -clp:NoSummary >&2
fi

stage=$root/out/deb/$arch
rm -rf "$stage"
d=$stage/root
install -d -m 0755 "$d/DEBIAN" "$d/usr/lib/mpsa-controller" "$d/usr/bin" "$d/lib/systemd/system" "$d/etc/mpsa" \
  "$d/usr/share/doc/mpsa-controller"
for f in "$app"/*; do
  case $f in
    # debugging symbols; the debugger's and LTTng's runtime parts; the alternative GCs (used only when configured)
    *.pdb | *.dbg | */libmscordbi.so | */libmscordaccore.so | */libcoreclrtraceptprovider.so | */libclrgc*.so) continue ;;
    */mpsa-controller) install -m 0755 "$f" "$d/usr/lib/mpsa-controller/" ;;
    *) install -m 0644 "$f" "$d/usr/lib/mpsa-controller/" ;;
  esac
done
ln -s ../lib/mpsa-controller/mpsa-controller "$d/usr/bin/mpsa-controller"
install -m 0644 "$deb/mpsa-controller.service" "$d/lib/systemd/system/mpsa-controller.service"
# The example configuration, logging for journald.
sed -e 's/^log_format = .*/log_format = systemd/' "$root/packaging/controller.conf.example" >"$d/etc/mpsa/controller.conf"
chmod 0600 "$d/etc/mpsa/controller.conf"
doc=$d/usr/share/doc/mpsa-controller
install -m 0644 "$deb/copyright" "$doc/copyright"
install -d -m 0755 "$d/usr/share/man/man8" "$d/usr/share/lintian/overrides"
gzip -9n <"$deb/mpsa-controller.8" >"$d/usr/share/man/man8/mpsa-controller.8.gz"
chmod 0644 "$d/usr/share/man/man8/mpsa-controller.8.gz"
install -m 0644 "$deb/lintian-overrides" "$d/usr/share/lintian/overrides/mpsa-controller"
install -m 0644 "$root/README.md" "$doc/README.md"
install -m 0644 "$root/packaging/grafana/mpsa-controller.json" "$doc/grafana-dashboard.json"
sed -e "s|@VERSION@|$version|" -e "s|@DATE@|$(date -u -R -d "@$SOURCE_DATE_EPOCH")|" \
  -e "s|@MAINTAINER@|${PKG_MAINTAINER:-mpsa maintainers <maintainers@mpsa.invalid>}|" "$deb/changelog.in" |
  gzip -9n >"$doc/changelog.Debian.gz"

for f in postinst prerm postrm; do install -m 0755 "$deb/$f" "$d/DEBIAN/$f"; done
install -m 0644 "$deb/conffiles" "$d/DEBIAN/conffiles"
(cd "$d" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print | sed 's|^\./||' | sort |
  xargs md5sum) >"$d/DEBIAN/md5sums"
chmod 0644 "$d/DEBIAN/md5sums"
installed_size=$(du -sk --exclude=DEBIAN "$d" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
  -e "s|@MAINTAINER@|${PKG_MAINTAINER:-mpsa maintainers <maintainers@mpsa.invalid>}|" \
  "$deb/control.in" >"$d/DEBIAN/control"
find "$d" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$root/out"
out=$root/out/mpsa-controller_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$d" "$out" >&2
echo "$out: $(stat -c %s "$out") bytes, Installed-Size $installed_size KiB ($rid, self-contained, trimmed)"
