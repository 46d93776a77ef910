#!/usr/bin/env bash
# The controller's Debian package: its contents and lintian; installed with dpkg into a clean Debian root (mmdebstrap,
# cached in out/deb-testroot.tar); the unit through `systemd-analyze verify` and `security` in that root; the
# controller run in that root as the unit runs it (user mpsa, only CAP_NET_BIND_SERVICE and CAP_NET_ADMIN, under
# setpriv, in a network namespace of its own) and, without those capabilities, refused port 500; then purged.
# Ends with "N passed, N failed[, N skipped]". Needs root (chroot, mounts, namespaces).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
arch=$(dpkg --print-architecture)
deb=$(ls "$root"/out/mpsa-controller_*_"$arch".deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
  "$root/packaging/build/make-deb.sh" "$arch" >&2
  deb=$(ls "$root"/out/mpsa-controller_*_"$arch".deb 2>/dev/null | head -n 1)
fi
check "package built: $(basename "${deb:-none}")" test -f "$deb"
[ -f "$deb" ] || { finish; exit 1; }
work=$(mktemp -d /tmp/mpsa-deb-test.XXXXXX)
sysroot=$work/root
cleanup() {
  for m in dev/pts dev proc; do mountpoint -q "$sysroot/$m" && umount -l "$sysroot/$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

# --- the package file
field() { dpkg-deb -f "$deb" "$1"; }
check "control: Package mpsa-controller, Architecture $arch" test "$(field Package) $(field Architecture)" = "mpsa-controller $arch"
check "conffiles: /etc/mpsa/controller.conf" grep -qx /etc/mpsa/controller.conf <(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)
contents=$(dpkg-deb -c "$deb")
check "conffile shipped 0600" grep -qE '^-rw------- root/root .* \./etc/mpsa/controller\.conf$' <<<"$contents"
check "unit in /lib/systemd/system" grep -q ' \./lib/systemd/system/mpsa-controller\.service$' <<<"$contents"
check "/usr/bin/mpsa-controller links to the application" grep -q '\./usr/bin/mpsa-controller -> \.\./lib/mpsa-controller/mpsa-controller' <<<"$contents"
check "the packaged configuration logs for journald" bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./etc/mpsa/controller.conf | grep -qx 'log_format = systemd'"
if command -v lintian >/dev/null; then
  check "lintian: no errors or warnings (overrides explained in packaging/debian/lintian-overrides)" \
    bash -c "out=\$(lintian '$deb' 2>&1 | grep -v 'root privileges'); echo \"\$out\" >&2; [ -z \"\$out\" ]"
else
  skip "lintian not installed"
fi

# --- a clean Debian root, then dpkg --root
cache=$root/out/deb-testroot.tar
if [ ! -s "$cache" ]; then
  mmdebstrap --quiet --format=tar --variant=essential --include=adduser,libssl3,libstdc++6,libgcc-s1,systemd,procps "$(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}")" "$cache.tmp" >&2 &&
    mv "$cache.tmp" "$cache"
fi
mkdir -p "$sysroot"
check "clean root made (mmdebstrap, essential + systemd)" tar -xf "$cache" -C "$sysroot"
check "not installed there before" bash -c "! dpkg --root='$sysroot' -s mpsa-controller"
check "dpkg --root installs it (maintainer scripts run in the root)" dpkg --root="$sysroot" -i "$deb"
check "dpkg status: install ok installed" bash -c "dpkg --root='$sysroot' -s mpsa-controller | grep -qx 'Status: install ok installed'"
check "dpkg --verify: files as shipped" dpkg --root="$sysroot" --verify mpsa-controller
check "system user mpsa (no login shell)" bash -c "grep -E '^mpsa:x:[0-9]+:[0-9]+:.*:/var/lib/mpsa:/usr/sbin/nologin$' '$sysroot/etc/passwd'"
check "conffile 0600 owned by mpsa" test "$(chroot "$sysroot" stat -c '%a %U %G' /etc/mpsa/controller.conf)" = "600 mpsa mpsa"
check "state directory /var/lib/mpsa owned by mpsa" test "$(chroot "$sysroot" stat -c '%U' /var/lib/mpsa)" = mpsa
check "enabled: multi-user.target.wants link" test -L "$sysroot/etc/systemd/system/multi-user.target.wants/mpsa-controller.service"

# --- the unit
check "systemd-analyze verify accepts the unit" systemd-analyze verify --root="$sysroot" mpsa-controller.service
score=$(systemd-analyze security --offline=yes --root="$sysroot" mpsa-controller.service 2>/dev/null |
  sed -nE 's/.*Overall exposure level for mpsa-controller\.service: ([0-9.]+).*/\1/p')
echo "systemd-analyze security: exposure ${score:-unknown}"
check "systemd-analyze security exposure ${score:-?} <= 2.0" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
unit=$sysroot/lib/systemd/system/mpsa-controller.service
for want in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' 'User=mpsa' 'NoNewPrivileges=yes' \
  'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'StateDirectory=mpsa' 'RuntimeDirectory=mpsa' \
  'AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_ADMIN' 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_ADMIN'; do
  check "unit: $want" grep -qxF "$want" "$unit"
done

# --- the controller as the unit runs it: user mpsa, those two capabilities only, its own network namespace
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr 'A-Z ' 'a-z\n' | sed 's/^cap_/+/' | paste -sd, -)
mount -t proc proc "$sysroot/proc" && mount --rbind /dev "$sysroot/dev"
install -d -o "$(chroot "$sysroot" id -u mpsa)" -g "$(chroot "$sysroot" id -g mpsa)" -m 0750 "$sysroot/run/mpsa"
conf=$sysroot/etc/mpsa/controller.conf
cat >"$conf" <<CONF
[controller]
identity = controller.deb-test
listen = 127.0.0.1:500
control_socket = /run/mpsa/controller.sock
log_format = systemd
metrics_listen = 127.0.0.1:9105
install_child_sa = yes
[group g]
[member cpe]
identity = cpe.deb-test
psk = "the PSK of the package test"
group = g
CONF
asmpsa() { # CAPS COMMAND...: as the unit runs it (chroot and setpriv exec: the caller's child is the controller)
  local c=$1; shift
  exec chroot "$sysroot" setpriv --reuid=mpsa --regid=mpsa --init-groups --no-new-privs --inh-caps="-all${c:+,$c}" \
    --ambient-caps="-all${c:+,$c}" --bounding-set="-all${c:+,$c}" "$@"
}
export -f asmpsa
export sysroot caps
unshare --net bash -c '
  ip link set lo up
  asmpsa "$caps" /usr/bin/mpsa-controller run 2>"$sysroot/tmp/run.log" & pid=$!
  for i in $(seq 1 100); do grep -q "\[700\]" "$sysroot/tmp/run.log" 2>/dev/null && break; sleep 0.1; done
  grep -E "^Cap(Eff|Prm|Bnd|Amb)|^Uid" /proc/$pid/status >"$sysroot/tmp/caps"
  chroot "$sysroot" /usr/bin/mpsa-controller status >"$sysroot/tmp/status" 2>&1
  exec 3<>/dev/tcp/127.0.0.1/9105 && printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3 >"$sysroot/tmp/metrics"
  exec 3>&-
  kill -TERM $pid; wait $pid; echo $? >"$sysroot/tmp/rc"
  (asmpsa "" /usr/bin/mpsa-controller run 2>"$sysroot/tmp/nocaps.log"); echo $? >"$sysroot/tmp/nocaps.rc"
'
echo "--- controller under setpriv ($caps):" && cat "$sysroot/tmp/run.log" "$sysroot/tmp/caps"
check "runs as mpsa" grep -qE "^Uid:\s+$(chroot "$sysroot" id -u mpsa)\s" "$sysroot/tmp/caps"
# CAP_NET_BIND_SERVICE is bit 10, CAP_NET_ADMIN bit 12: 0x1400
for c in CapEff CapPrm CapBnd CapAmb; do
  check "$c = CAP_NET_BIND_SERVICE + CAP_NET_ADMIN only" grep -qE "^$c:\s+0000000000001400$" "$sysroot/tmp/caps"
done
check "bound port 500 with those capabilities" grep -q "listening on 127.0.0.1:500" "$sysroot/tmp/run.log"
check "XFRM reachable (CAP_NET_ADMIN): no 'not installed in the kernel' warning" bash -c "! grep -q '\[305\]' '$sysroot/tmp/run.log'"
check "logs with journald priorities" grep -q '^<6>mpsa-controller\[100\] listening' "$sysroot/tmp/run.log"
check "status over /run/mpsa/controller.sock" grep -q "member cpe (g): disconnected" "$sysroot/tmp/status"
check "metrics endpoint served" grep -q "^mpsa_controller_members_configured{group=\"g\"} 1" "$sysroot/tmp/metrics"
check "SIGTERM: exit 0" test "$(cat "$sysroot/tmp/rc")" = 0
check "without the capabilities port 500 is refused (exit 71)" test "$(cat "$sysroot/tmp/nocaps.rc")" = 71
check "state key made on first start: mode 0600, owner mpsa" test "$(chroot "$sysroot" stat -c '%a %U' /var/lib/mpsa/state.key)" = "600 mpsa"
check "group state written: mode 0600, owner mpsa" test "$(chroot "$sysroot" stat -c '%a %U' /var/lib/mpsa/controller.state)" = "600 mpsa"
check "the second start served the same group SA from the state file" grep -q "restored from the state file" "$sysroot/tmp/nocaps.log"
for m in dev proc; do umount -l "$sysroot/$m"; done

# --- purge
check "dpkg --purge removes it" dpkg --root="$sysroot" --purge mpsa-controller
check "purge removed the user and /var/lib/mpsa" bash -c "! grep -q '^mpsa:' '$sysroot/etc/passwd' && [ ! -e '$sysroot/var/lib/mpsa' ]"
finish
