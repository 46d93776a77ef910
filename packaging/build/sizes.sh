#!/usr/bin/env bash
# sizes.sh [ARCH...] — the numbers for bench/RESULTS.md, from the built packages in out/ (default: every architecture
# in packaging/openwrt/arches): the size of each file the package installs (stripped as shipped), the sum, the
# package's Installed-Size field (bytes of the uncompressed data tar, as OpenWrt's ipkg-build counts it), the space
# the files take on a 4 KiB-block file system (du), the .ipk's own size and, when built, the .apk's. Prints a
# Markdown table.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
owrt=$root/packaging/openwrt
arches=("$@")
[ ${#arches[@]} -gt 0 ] || mapfile -t arches < <(awk '$1 !~ /^#/ {print $1}' "$owrt/arches")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| package | file | bytes |"
echo "| --- | --- | ---: |"
for arch in "${arches[@]}"; do
  pa=$(awk -v a="$arch" '$1 == a {print $4}' "$owrt/arches")
  ipk=$(ls "$root"/out/mpsa-agent_*_"$pa".ipk | head -n 1)
  name=$(basename "$ipk")
  d=$tmp/$arch
  mkdir -p "$d/pkg" "$d/root"
  tar -xzf "$ipk" -C "$d/pkg"
  tar -xzf "$d/pkg/data.tar.gz" -C "$d/root"
  total=0
  while read -r f; do
    size=$(stat -c %s "$d/root/$f")
    total=$((total + size))
    echo "| $name | /${f#./} | $size |"
  done < <(cd "$d/root" && find . -type f | sort)
  echo "| $name | sum of the files | $total |"
  echo "| $name | Installed-Size (control) | $(tar -xzOf "$d/pkg/control.tar.gz" ./control | sed -n 's/^Installed-Size: //p') |"
  echo "| $name | on disk (du -sk, 4 KiB blocks) | $(( $(du -sk "$d/root" | cut -f1) * 1024 )) |"
  echo "| $name | .ipk file | $(stat -c %s "$ipk") |"
  apk=$(ls "$root"/out/"$pa"/mpsa-agent-[0-9]*.apk 2>/dev/null | head -n 1)
  [ -z "$apk" ] || echo "| $name | .apk file, same files ($(basename "$apk")) | $(stat -c %s "$apk") |"
done
