# arch.sh — sourced by make-ipk.sh and make-apk.sh (with $owrt set): checks the ARCH argument against
# packaging/openwrt/arches and sets arch and pkg_arch (its OpenWrt package architecture), or prints the usage and exits 2.
arch=${1:-}
line=$(awk -v a="$arch" '$1 == a && $1 !~ /^#/' "$owrt/arches")
if [ -z "$arch" ] || [ -z "$line" ]; then
  echo "usage: $0 ARCH   (ARCH: $(awk '$1 !~ /^#/ {printf "%s ", $1}' "$owrt/arches"))" >&2
  exit 2
fi
read -r _ _ _ pkg_arch _ <<<"$line"
