#!/usr/bin/env bash
# test-install.sh [ARCH...] — installs the built .ipk (default: every architecture in packaging/openwrt/arches) the
# way opkg does into a scratch root and checks the result:
#  - the .ipk: gzip'd tar of ./debian-binary ("2.0"), ./data.tar.gz, ./control.tar.gz; all three tars GNU/ustar (no
#    pax), root-owned; file name Package_Version_Architecture.ipk with the OpenWrt architecture;
#  - control fields, Installed-Size (as ipkg-build computes it), conffiles; files, modes, the /usr/sbin symlink;
#  - the maintainer scripts and the init script: shellcheck -s sh and busybox ash -n;
#  - on the architecture this machine runs: a chroot with a static busybox, the musl loader, test stand-ins for
#    rc.common and procd's helpers (they record every call) and a recording logger; then postinst (as opkg runs it,
#    and with IPKG_INSTROOT set), the command line procd is given, reload, a bad configuration, the ujail
#    capabilities branch, prerm.
# Needs root (chroot). Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || mapfile -t arches < <(awk '$1 !~ /^#/ {print $1}' "$owrt/arches")
[ "$(id -u)" -eq 0 ] || { echo "test-install: needs root (chroot)"; echo "0 passed, 1 failed"; exit 1; }
"$root/packaging/build/deps.sh" "${arches[@]}" >&2 || { echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# --- Lint: the scripts that run on the router. ---------------------------------------------------------------------
for s in "$owrt/init.d/mpsa" "$owrt/postinst" "$owrt/prerm"; do
  name=${s#"$owrt"/}
  check "shellcheck -s sh $name" shellcheck -s sh "$s"
  check "busybox ash -n $name" busybox ash -n "$s"
done
check "capabilities/mpsa.json: the five OCI sets, each exactly CAP_NET_ADMIN + CAP_NET_BIND_SERVICE" python3 - "$owrt/capabilities/mpsa.json" <<'EOF'
import json, sys
caps = json.load(open(sys.argv[1]))
want = ["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE"]
sets = {"bounding", "effective", "inheritable", "permitted", "ambient"}
assert set(caps) == sets, caps.keys()
assert all(sorted(caps[s]) == want for s in sets)
EOF

# tar_ok FILE — gzip'd tar in GNU or ustar format, no pax header anywhere, every member owned 0:0.
tar_ok() {
  python3 - "$1" <<'EOF'
import gzip, sys, tarfile
path = sys.argv[1]
raw = gzip.open(path).read()
assert raw[257:265] in (b"ustar  \0", b"ustar\x0000"), raw[257:265]
with tarfile.open(path, "r:gz") as tf:
    assert not tf.pax_headers
    members = tf.getmembers()
    assert members
    for m in members:
        assert not m.pax_headers, m.name
        assert m.uid == 0 and m.gid == 0, (m.name, m.uid, m.gid)
# no member header of pax type ('x' or 'g') in the raw stream either
off = 0
while off + 512 <= len(raw) and raw[off:off + 512] != b"\0" * 512:
    assert raw[off + 156:off + 157] not in (b"x", b"g"), "pax header"
    size = int(raw[off + 124:off + 136].strip(b"\0 ") or b"0", 8)
    off += 512 + (size + 511) // 512 * 512
EOF
}
field() { sed -n "s/^$1: *//p" "$2"; }
mode_of() { stat -c %a "$1"; }

for arch in "${arches[@]}"; do
  echo "# --- $arch"
  pa=$(pkg_arch "$arch")
  ipk=$(ipk_for "$arch") || { check "$arch: a package was built" false; continue; }
  echo "# $ipk"
  w=$work/$arch
  mkdir -p "$w"

  # --- The package file. --------------------------------------------------------------------------------------------
  check "$arch: .ipk is gzip data (opkg reads only the gzip'd-tar form)" test "$(head -c 2 "$ipk" | od -An -tx1 | tr -d ' ')" = 1f8b
  check "$arch: outer tar holds ./debian-binary ./data.tar.gz ./control.tar.gz" \
    test "$(tar -tzf "$ipk" | tr '\n' ' ')" = "./debian-binary ./data.tar.gz ./control.tar.gz "
  check "$arch: unpacks the way opkg reads it" unpack_ipk "$ipk" "$w"
  check "$arch: outer tar is GNU/ustar, no pax, root-owned" tar_ok "$ipk"
  check "$arch: control.tar.gz is GNU/ustar, no pax, root-owned" tar_ok "$w/pkg/control.tar.gz"
  check "$arch: data.tar.gz is GNU/ustar, no pax, root-owned" tar_ok "$w/pkg/data.tar.gz"
  check "$arch: debian-binary is 2.0" test "$(cat "$w/pkg/debian-binary")" = "2.0"

  ctl=$w/control/control
  for f in Package Version Depends Source License Section Architecture Installed-Size Description Maintainer; do
    check "$arch: control has $f" test -n "$(field "$f" "$ctl")"
  done
  check "$arch: Package is mpsa-agent" test "$(field Package "$ctl")" = mpsa-agent
  check "$arch: Architecture is $pa" test "$(field Architecture "$ctl")" = "$pa"
  check "$arch: file name is Package_Version_Architecture.ipk" \
    test "$(basename "$ipk")" = "mpsa-agent_$(field Version "$ctl")_$(field Architecture "$ctl").ipk"
  check "$arch: Installed-Size is the uncompressed data tar's size (as ipkg-build)" \
    test "$(field Installed-Size "$ctl")" = "$(gzip -dc "$w/pkg/data.tar.gz" | wc -c)"
  check "$arch: Depends names libc (musl)" grep -q '^Depends:.*\blibc\b' "$ctl"
  check "$arch: Suggests libopenssl3 (the algorithms that need libssl)" grep -q '^Suggests:.*\blibopenssl3\b' "$ctl"
  check "$arch: Description says which algorithms need libssl" grep -q '^ .*need libssl' "$ctl"
  check "$arch: conffiles lists exactly /etc/mpsa/mpsa.conf" test "$(cat "$w/control/conffiles")" = /etc/mpsa/mpsa.conf
  check "$arch: postinst is 0755" test "$(mode_of "$w/control/postinst")" = 755
  check "$arch: prerm is 0755" test "$(mode_of "$w/control/prerm")" = 755

  # --- The installed files. -----------------------------------------------------------------------------------------
  R=$w/root
  check "$arch: /usr/lib/mpsa/mpsa-agent is a 0755 file" test -f "$R/usr/lib/mpsa/mpsa-agent" -a "$(mode_of "$R/usr/lib/mpsa/mpsa-agent")" = 755
  check "$arch: /usr/lib/mpsa/libsodium.so is there (beside the binary)" test -f "$R/usr/lib/mpsa/libsodium.so"
  check "$arch: /usr/sbin/mpsa-agent -> ../lib/mpsa/mpsa-agent" test "$(readlink "$R/usr/sbin/mpsa-agent")" = ../lib/mpsa/mpsa-agent
  check "$arch: /etc/init.d/mpsa is 0755" test "$(mode_of "$R/etc/init.d/mpsa")" = 755
  check "$arch: /etc/mpsa/mpsa.conf is 0600 (may hold a PSK)" test "$(mode_of "$R/etc/mpsa/mpsa.conf")" = 600
  check "$arch: /etc/mpsa/mpsa.conf is the documented example, unchanged" cmp -s "$R/etc/mpsa/mpsa.conf" "$owrt/mpsa.conf"
  check "$arch: /etc/capabilities/mpsa.json is 0644" test "$(mode_of "$R/etc/capabilities/mpsa.json")" = 644
  check "$arch: every conffile is in data" test -f "$R$(cat "$w/control/conffiles")"
  check "$arch: the package holds only the expected files" test "$(cd "$R" && find . ! -type d | sort | tr '\n' ' ')" = \
    "./etc/capabilities/mpsa.json ./etc/init.d/mpsa ./etc/mpsa/mpsa.conf ./usr/lib/mpsa/libsodium.so ./usr/lib/mpsa/mpsa-agent ./usr/sbin/mpsa-agent "
  check "$arch: the binary is a musl executable (interpreter /lib/ld-musl-$arch.so.1)" \
    sh -c "readelf -l '$R/usr/lib/mpsa/mpsa-agent' | grep -q 'interpreter: /lib/ld-musl-$arch.so.1'"

  # --- The install itself, on the architecture this machine runs. ---------------------------------------------------
  if [ "$arch" != "$(uname -m)" ]; then
    skip "$arch: postinst/procd flow (the binary cannot run here without binfmt; its no-glibc run is test-aarch64.sh)"
    continue
  fi
  # An OpenWrt-like root: static busybox as every tool, the musl loader, the stand-ins; then the package as opkg
  # lays it out (files from data.tar.gz; control files in /usr/lib/opkg/info/<package>.*).
  mkdir -p "$R/bin" "$R/sbin" "$R/lib" "$R/tmp" "$R/dev" "$R/etc/rc.d" "$R/usr/lib/opkg/info"
  mknod -m 0666 "$R/dev/null" c 1 3 2>/dev/null || : >"$R/dev/null"
  cp /bin/busybox "$R/bin/busybox"
  chroot "$R" /bin/busybox --install -s /bin
  cp "$(musl_loader "$arch")" "$R/lib/ld-musl-$arch.so.1"
  cp -a "$root/tests/packaging/openwrt-root/." "$R/"
  mv "$R/rc.common" "$R/etc/rc.common"
  for f in control conffiles postinst prerm; do cp -p "$w/control/$f" "$R/usr/lib/opkg/info/mpsa-agent.$f"; done
  (cd "$R" && tar -tzf "$w/pkg/data.tar.gz" | sed -n 's|^\./|/|p' | grep -v '/$') >"$R/usr/lib/opkg/info/mpsa-agent.list"
  cp -p "$R/etc/mpsa/mpsa.conf" "$w/mpsa.conf.orig"

  # inroot ENV... -- CMD — a shell command in the root, as opkg runs maintainer scripts (sh -c "script args").
  inroot() { chroot "$R" /bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
  calls() { cat "$R/tmp/procd.calls" 2>/dev/null; }
  called() { calls | grep -qxF -- "$1"; }
  reset() { rm -f "$R/tmp/procd.calls" "$R/tmp/logger.log"; }

  reset
  inroot IPKG_INSTROOT=/tmp/image /bin/sh -c "/usr/lib/opkg/info/mpsa-agent.postinst configure" >"$w/out" 2>&1
  check "$arch: postinst with IPKG_INSTROOT set exits 0" test $? -eq 0
  check "$arch: postinst with IPKG_INSTROOT set asks procd nothing" test -z "$(calls)"
  check "$arch: postinst with IPKG_INSTROOT set enables nothing" test -z "$(ls "$R/etc/rc.d")"

  reset
  inroot /bin/sh -c "/usr/lib/opkg/info/mpsa-agent.postinst configure" >"$w/out" 2>&1
  check "$arch: postinst exits 0" test $? -eq 0
  sed 's/^/#   procd: /' "$R/tmp/procd.calls" 2>/dev/null
  check "$arch: postinst enables the service: /etc/rc.d/S90mpsa" test "$(readlink "$R/etc/rc.d/S90mpsa")" = ../init.d/mpsa
  check "$arch: postinst enables the service: /etc/rc.d/K10mpsa" test "$(readlink "$R/etc/rc.d/K10mpsa")" = ../init.d/mpsa
  check "$arch: postinst starts it: procd service mpsa" called "procd_open_service [mpsa] [/etc/init.d/mpsa]"
  check "$arch: one instance, 'agent'" called "procd_open_instance [agent]"
  check "$arch: procd command line: /usr/sbin/mpsa-agent run --config /etc/mpsa/mpsa.conf" \
    called "procd_set_param [command] [/usr/sbin/mpsa-agent] [run] [--config] [/etc/mpsa/mpsa.conf]"
  check "$arch: procd watches the config file (changed config -> reload)" called "procd_set_param [file] [/etc/mpsa/mpsa.conf]"
  check "$arch: procd reload signal is HUP" called "procd_set_param [reload_signal] [HUP]"
  check "$arch: procd respawns the agent" called "procd_set_param [respawn]"
  check "$arch: stdout to logd" called "procd_set_param [stdout] [1]"
  check "$arch: stderr to logd" called "procd_set_param [stderr] [1]"
  check "$arch: the instance is closed and the service set" sh -c "grep -qx 'procd_close_instance' '$R/tmp/procd.calls' && grep -qxF 'procd_close_service [set]' '$R/tmp/procd.calls'"
  check "$arch: no ujail on this root: no jail, no capabilities param" sh -c "! grep -q 'procd_add_jail\|capabilities' '$R/tmp/procd.calls'"
  check "$arch: no uplink_interface: no interface trigger (the agent follows the uplink itself)" \
    sh -c "! grep -q procd_add_interface_trigger '$R/tmp/procd.calls'"

  # The command line procd was given, run as procd would run it (here with `version` and `check-config` in place of
  # `run`, which would start talking IKE to the configured controller).
  cmd=$(sed -n 's/^procd_set_param \[command\] //p' "$R/tmp/procd.calls" | sed 's/^\[//; s/\]$//; s/\] \[/\n/g')
  argv0=$(echo "$cmd" | sed -n 1p)
  conf=$(echo "$cmd" | sed -n 4p)
  inroot "$argv0" version >"$w/out" 2>&1
  check "$arch: procd's command ($argv0) runs in the installed root" test $? -eq 0
  inroot "$argv0" check-config --config "$conf" >"$w/out" 2>&1
  check "$arch: ... and accepts its --config $conf" test $? -eq 0

  reset
  inroot /etc/init.d/mpsa reload >"$w/out" 2>&1
  check "$arch: reload on a good config sends HUP through procd" called "procd_send_signal [mpsa] [agent] [HUP]"

  # uplink_interface = wan: procd reloads the agent on the interface's ifup (and the agent takes the key).
  sed 's/^\[agent\]$/[agent]\nuplink_interface = wan/' "$w/mpsa.conf.orig" >"$R/etc/mpsa/mpsa.conf"
  inroot /usr/sbin/mpsa-agent check-config --config /etc/mpsa/mpsa.conf >"$w/out" 2>&1
  check "$arch: uplink_interface = wan passes check-config" test $? -eq 0
  reset
  inroot /etc/init.d/mpsa start >"$w/out" 2>&1
  check "$arch: uplink_interface = wan: reload on ifup of wan" \
    called "procd_add_interface_trigger [interface.*.up] [wan] [/etc/init.d/mpsa] [reload]"
  cp -p "$w/mpsa.conf.orig" "$R/etc/mpsa/mpsa.conf"

  # A bad configuration: start and reload refuse, with check-config's error in the log.
  printf '[agent]\nno_such_key = 1\n' >"$R/etc/mpsa/mpsa.conf"
  reset
  inroot /etc/init.d/mpsa start >"$w/out" 2>&1
  sed 's/^/#   logger: /' "$R/tmp/logger.log" 2>/dev/null
  check "$arch: bad config: start opens no instance" sh -c "! grep -q procd_open_instance '$R/tmp/procd.calls'"
  check "$arch: bad config: the error is logged (daemon.err, tag mpsa)" grep -qF "logger [-t] [mpsa] [-p] [daemon.err]" "$R/tmp/logger.log"
  check "$arch: bad config: check-config's FILE:LINE message is in the log" grep -q '^| /etc/mpsa/mpsa.conf:2' "$R/tmp/logger.log"
  reset
  inroot /etc/init.d/mpsa reload >"$w/out" 2>&1
  check "$arch: bad config: reload sends no signal" sh -c "! grep -q procd_send_signal '$R/tmp/procd.calls' 2>/dev/null"
  check "$arch: bad config: reload logs the error" grep -q '^| /etc/mpsa/mpsa.conf:2' "$R/tmp/logger.log"
  cp -p "$w/mpsa.conf.orig" "$R/etc/mpsa/mpsa.conf"

  # Where procd can jail (ujail installed): only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE.
  printf '#!/bin/sh\nexit 0\n' >"$R/sbin/ujail"
  chmod 0755 "$R/sbin/ujail"
  reset
  inroot /etc/init.d/mpsa start >"$w/out" 2>&1
  check "$arch: with ujail: a jail named mpsa (no file-system options)" called "procd_add_jail [mpsa]"
  check "$arch: with ujail: capabilities /etc/capabilities/mpsa.json" called "procd_set_param [capabilities] [/etc/capabilities/mpsa.json]"
  check "$arch: with ujail: no_new_privs" called "procd_set_param [no_new_privs] [1]"
  rm -f "$R/sbin/ujail"

  reset
  inroot IPKG_INSTROOT=/tmp/image /bin/sh -c "/usr/lib/opkg/info/mpsa-agent.prerm remove" >"$w/out" 2>&1
  check "$arch: prerm with IPKG_INSTROOT set asks procd nothing" test -z "$(calls)"
  check "$arch: prerm with IPKG_INSTROOT set leaves the service enabled" test -L "$R/etc/rc.d/S90mpsa"
  reset
  inroot /bin/sh -c "/usr/lib/opkg/info/mpsa-agent.prerm remove" >"$w/out" 2>&1
  check "$arch: prerm exits 0" test $? -eq 0
  check "$arch: prerm stops the service (procd kills instance, SIGTERM)" grep -q '^procd_kill \[mpsa\]' "$R/tmp/procd.calls"
  check "$arch: prerm disables it (no /etc/rc.d links left)" test -z "$(ls "$R/etc/rc.d")"
done

finish
