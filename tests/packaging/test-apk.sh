#!/usr/bin/env bash
# test-apk.sh [ARCH...] — the OpenWrt 25.12+ package (default: every architecture in packaging/openwrt/arches) with
# the real apk-tools v3 (packaging/build/apk-tools.sh):
#  - the scripts (post-install, post-upgrade, pre-deinstall): shellcheck -s sh and busybox ash -n;
#  - metadata (apk adbdump): name, version in apk syntax, arch, description, license, origin, maintainer, depends,
#    the three scripts; file name NAME-VERSION.apk;
#  - `apk add --root R --initdb --allow-untrusted --no-network` into an empty root (with a stub package providing the
#    dependencies): every file with its mode and owner, `apk info -L`, /lib/apk/packages/mpsa-agent.{list,conffiles,
#    conffiles_static}; the same tree as the .ipk's data.tar.gz; a musl binary for the right machine;
#  - upgrade to -r2 with a modified conffile: kept, the package's version beside it (.apk-new); `apk del` removes
#    every file but the modified conffile;
#  - on the architecture this machine runs: the same life cycle in an OpenWrt-like root (static busybox, the musl
#    loader, the recording procd/logd stand-ins of test-install.sh) with the scripts run by apk: they call
#    default_postinst/default_prerm and ask procd exactly what the .ipk's postinst/prerm ask; nothing for an image
#    build (IPKG_INSTROOT); the upgrade restarts the enabled service.
# Needs root (chroot). Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || mapfile -t arches < <(awk '$1 !~ /^#/ {print $1}' "$owrt/arches")
[ "$(id -u)" -eq 0 ] || { echo "test-apk: needs root (chroot)"; echo "0 passed, 1 failed"; exit 1; }
"$root/packaging/build/deps.sh" "${arches[@]}" >&2 || { echo "0 passed, 1 failed"; exit 1; }
apk=$("$root/packaging/build/apk-tools.sh"); rc=$?
# no apk-tools v3 to be had here (none installed, no source to build): skipped, said once
[ $rc -eq 3 ] && { echo "# test-apk: skipped, no apk-tools v3 (see packaging/build/apk-tools.sh)"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
[ $rc -eq 0 ] || { echo "test-apk: no apk-tools v3"; echo "0 passed, 1 failed"; exit 1; }
echo "# $("$apk" --version)"
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

for s in post-install post-upgrade pre-deinstall; do
  check "shellcheck -s sh apk/$s" shellcheck -s sh "$owrt/apk/$s"
  check "busybox ash -n apk/$s" busybox ash -n "$owrt/apk/$s"
done

mode_of() { stat -c %a "$1"; }
# tree DIR — one line per file and symlink below DIR (apk's own database left out): type, mode, owner, path, and
# the sha256 of a file or the target of a symlink.
tree() {
  (cd "$1" && find . \( -path ./lib/apk -o -path ./etc/apk -o -path ./var \) -prune -o ! -type d -print | sort |
    while read -r f; do
      if [ -L "$f" ]; then echo "l $(stat -c '%a %u:%g' "$f") $f -> $(readlink "$f")"
      else echo "f $(stat -c '%a %u:%g' "$f") $f $(sha256sum <"$f" | cut -d' ' -f1)"; fi
    done)
}
# The files the package installs, each with its mode (owner root:root, checked apart).
expected="etc/capabilities/mpsa.json 644
etc/init.d/mpsa 755
etc/mpsa/mpsa.conf 600
lib/apk/packages/mpsa-agent.conffiles 644
lib/apk/packages/mpsa-agent.conffiles_static 644
lib/apk/packages/mpsa-agent.list 644
usr/lib/mpsa/libsodium.so 755
usr/lib/mpsa/mpsa-agent 755
usr/sbin/mpsa-agent 777"

for arch in "${arches[@]}"; do
  echo "# --- $arch"
  pa=$(pkg_arch "$arch")
  pkg=$(apk_for "$arch") || { check "$arch: a package was built" false; continue; }
  echo "# $pkg"
  w=$work/$arch
  mkdir -p "$w"
  check "$arch: the test's dependency stub builds" stub_apk "$apk" "$pa" "$w"
  MPSA_REUSE_AGENT=1 PKG_RELEASE=2 PKG_OUTDIR="$w/r2" "$root/packaging/build/make-apk.sh" "$arch" >"$w/r2.log" 2>&1
  check "$arch: the same package as release 2 builds (for the upgrade)" test $? -eq 0
  pkg2=$(ls "$w"/r2/mpsa-agent-*.apk 2>/dev/null | head -n 1)

  # --- The package file. --------------------------------------------------------------------------------------------
  check "$arch: ADB, deflate-compressed (ADBd: every apk-tools v3 reads it, built with zstd or not)" \
    test "$(head -c 4 "$pkg")" = ADBd
  "$apk" adbdump "$pkg" >"$w/adb" 2>&1
  check "$arch: apk adbdump reads it" test $? -eq 0
  meta() { sed -n "s/^  $1: //p" "$w/adb" | head -n 1; }
  version=$(meta version)
  check "$arch: name is mpsa-agent" test "$(meta name)" = mpsa-agent
  check "$arch: version $version is apk syntax with a release (-rN)" sh -c "'$apk' version --check --quiet '$version' && echo '$version' | grep -q -- '-r[0-9]*$'"
  check "$arch: version is the agent's (out/agent/$arch/build-info)" test "${version%-r*}" = "$(sed -n 's/^version=//p' "$root/out/agent/$arch/build-info")"
  check "$arch: arch is $pa" test "$(meta arch)" = "$pa"
  check "$arch: file is out/$pa/NAME-VERSION.apk" test "$pkg" = "$root/out/$pa/mpsa-agent-$version.apk"
  check "$arch: description says which algorithms need libssl" grep -q 'need libssl' "$w/adb"
  for f in license origin maintainer; do check "$arch: $f is set" test -n "$(meta $f)"; done
  check "$arch: depends is libc, kmod-ipsec, kmod-ipsec4, kmod-crypto-user (as the .ipk's Depends) and !mpsa-agent-openssl (its Conflicts)" \
    test "$(sed -n '/^  depends:/,/^  [a-z]/p' "$w/adb" | sed -n 's/^    - //p' | tr -d "'" | LC_ALL=C sort | tr '\n' ' ')" = \
    "!mpsa-agent-openssl kmod-crypto-user kmod-ipsec kmod-ipsec4 libc "
  for s in post-install post-upgrade pre-deinstall; do
    check "$arch: carries the $s script" grep -q "^  $s: " "$w/adb"
  done

  # --- Into an empty root. ------------------------------------------------------------------------------------------
  R=$w/root
  mkdir -p "$R"
  add() { "$apk" add --root "$R" --allow-untrusted --no-network --no-scripts "$@" >>"$w/apk.log" 2>&1; }
  add --initdb --arch "$pa" "$w/base-stub.apk" "$pkg"
  check "$arch: apk add --initdb --allow-untrusted --no-network into an empty root" test $? -eq 0
  while read -r f m; do
    check "$arch: /$f is there, mode $m, root:root" test "$(stat -c '%a %u:%g' "$R/$f" 2>/dev/null)" = "$m 0:0"
  done <<<"$expected"
  check "$arch: /usr/sbin/mpsa-agent -> ../lib/mpsa/mpsa-agent" test "$(readlink "$R/usr/sbin/mpsa-agent")" = ../lib/mpsa/mpsa-agent
  check "$arch: nothing else installed" test "$(cd "$R" && find etc usr lib/apk/packages ! -type d | grep -v '^etc/apk/' | sort)" = "$(cut -d' ' -f1 <<<"$expected")"
  check "$arch: apk info -L lists exactly those files" \
    test "$("$apk" --root "$R" info -L mpsa-agent 2>/dev/null | grep -v 'contains:$' | grep . | sort)" = "$(cut -d' ' -f1 <<<"$expected")"
  check "$arch: /lib/apk/packages/mpsa-agent.list: every file and symlink but the three package files" \
    test "$(cat "$R/lib/apk/packages/mpsa-agent.list")" = "$(cut -d' ' -f1 <<<"$expected" | grep -v '^lib/apk/packages/' | sed 's|^|/|' | sort)"
  check "$arch: mpsa-agent.conffiles registers /etc/mpsa/mpsa.conf" test "$(cat "$R/lib/apk/packages/mpsa-agent.conffiles")" = /etc/mpsa/mpsa.conf
  check "$arch: mpsa-agent.conffiles_static: the path and the shipped file's sha256" \
    test "$(cat "$R/lib/apk/packages/mpsa-agent.conffiles_static")" = "/etc/mpsa/mpsa.conf $(sha256sum <"$owrt/mpsa.conf" | cut -d' ' -f1)"
  check "$arch: /etc/mpsa/mpsa.conf is the documented example" cmp -s "$R/etc/mpsa/mpsa.conf" "$owrt/mpsa.conf"
  check "$arch: /etc/apk/arch is $pa" test "$(cat "$R/etc/apk/arch")" = "$pa"
  machine=$(awk -v a="$arch" '$1 == a {print $5}' "$owrt/arches")
  check "$arch: the binary is an ELF for $machine" sh -c "readelf -h '$R/usr/lib/mpsa/mpsa-agent' | grep -q 'Machine:.*$machine'"
  check "$arch: the binary is a musl executable (interpreter /lib/ld-musl-$arch.so.1)" \
    sh -c "readelf -l '$R/usr/lib/mpsa/mpsa-agent' | grep -q 'interpreter: /lib/ld-musl-$arch.so.1'"

  # The same content as the .ipk: both formats install the same files with the same modes and owners.
  ipk=$(ipk_for "$arch")
  if [ -n "$ipk" ] && unpack_ipk "$ipk" "$w/ipk"; then
    tree "$R" >"$w/apk.tree"
    tree "$w/ipk/root" >"$w/ipk.tree"
    check "$arch: the .apk installs the .ipk's files, modes, owners and contents" cmp -s "$w/apk.tree" "$w/ipk.tree"
    diff "$w/ipk.tree" "$w/apk.tree" | sed 's/^/#   /'
  else
    check "$arch: the .ipk to compare with was built" false
  fi

  # Upgrade to release 2 over a modified conffile, then removal.
  echo "# changed by the administrator" >>"$R/etc/mpsa/mpsa.conf"
  cp "$R/etc/mpsa/mpsa.conf" "$w/mpsa.conf.changed"
  add "$pkg2"
  check "$arch: apk add of release 2 upgrades" test $? -eq 0
  check "$arch: release 2 is installed" sh -c "'$apk' --root '$R' list --installed 2>/dev/null | grep -q '^mpsa-agent-${version%-r*}-r2 '"
  check "$arch: the modified conffile is kept" cmp -s "$R/etc/mpsa/mpsa.conf" "$w/mpsa.conf.changed"
  check "$arch: the package's version is beside it (mpsa.conf.apk-new)" cmp -s "$R/etc/mpsa/mpsa.conf.apk-new" "$owrt/mpsa.conf"
  check "$arch: the binary is still in place after the upgrade" test -x "$R/usr/lib/mpsa/mpsa-agent"
  "$apk" del --root "$R" --no-network --no-scripts mpsa-agent >>"$w/apk.log" 2>&1
  check "$arch: apk del exits 0" test $? -eq 0
  check "$arch: apk del removes every file but the modified conffile" \
    test "$(cd "$R" && find etc usr lib/apk/packages ! -type d 2>/dev/null | grep -v '^etc/apk/')" = etc/mpsa/mpsa.conf
  check "$arch: ... which keeps the administrator's content" cmp -s "$R/etc/mpsa/mpsa.conf" "$w/mpsa.conf.changed"

  # --- The scripts, run by apk, on the architecture this machine runs. ----------------------------------------------
  if [ "$arch" != "$(uname -m)" ]; then
    skip "$arch: scripts under apk (the binary cannot run here without binfmt; its no-glibc run is test-aarch64.sh apk)"
    continue
  fi
  S=$w/owrt
  owrt_root "$S" "$arch"
  calls() { grep -v '^default_' "$S/tmp/procd.calls" 2>/dev/null; }
  called() { grep -qxF -- "$1" "$S/tmp/procd.calls" 2>/dev/null; }
  reset() { rm -f "$S/tmp/procd.calls" "$S/tmp/logger.log"; }
  sapk() { "$apk" --root "$S" --allow-untrusted --no-network "$@" >>"$w/apk.log" 2>&1; }
  inroot() { chroot "$S" /bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" >/dev/null 2>&1; }

  reset
  sapk add --initdb "$w/base-stub.apk" "$pkg"
  check "$arch: apk add with scripts exits 0" test $? -eq 0
  sed 's/^/#   procd: /' "$S/tmp/procd.calls" 2>/dev/null
  check "$arch: post-install calls default_postinst for mpsa-agent" called "default_postinst [mpsa-agent]"
  check "$arch: post-install enables the service: /etc/rc.d/S90mpsa" test "$(readlink "$S/etc/rc.d/S90mpsa")" = ../init.d/mpsa
  check "$arch: post-install enables the service: /etc/rc.d/K10mpsa" test "$(readlink "$S/etc/rc.d/K10mpsa")" = ../init.d/mpsa
  check "$arch: post-install starts it: procd service mpsa" called "procd_open_service [mpsa] [/etc/init.d/mpsa]"
  check "$arch: procd command line: /usr/sbin/mpsa-agent run --config /etc/mpsa/mpsa.conf" \
    called "procd_set_param [command] [/usr/sbin/mpsa-agent] [run] [--config] [/etc/mpsa/mpsa.conf]"
  calls >"$w/apk.postinst.calls"
  reset
  rm -f "$S"/etc/rc.d/*
  install -m 0755 "$owrt/postinst" "$S/tmp/ipk.postinst"
  inroot /bin/sh -c "/tmp/ipk.postinst configure"
  calls >"$w/ipk.postinst.calls"
  check "$arch: post-install asks procd exactly what the .ipk's postinst asks" cmp -s "$w/apk.postinst.calls" "$w/ipk.postinst.calls"
  check "$arch: ... and enables it the same way" test -L "$S/etc/rc.d/S90mpsa" -a -L "$S/etc/rc.d/K10mpsa"

  # Without OpenWrt's helpers (no default_postinst/default_prerm in /lib/functions.sh) the scripts take the same two
  # steps themselves.
  cp -p "$S/lib/functions.sh" "$w/functions.sh"
  : >"$S/lib/functions.sh"
  reset
  rm -f "$S"/etc/rc.d/*
  install -m 0755 "$owrt/apk/post-install" "$S/tmp/apk.post-install"
  install -m 0755 "$owrt/apk/pre-deinstall" "$S/tmp/apk.pre-deinstall"
  inroot /bin/sh -c /tmp/apk.post-install
  calls >"$w/plain.postinst.calls"
  check "$arch: without default_postinst: post-install asks procd what the .ipk's postinst asks" \
    cmp -s "$w/plain.postinst.calls" "$w/ipk.postinst.calls"
  check "$arch: without default_postinst: post-install enables the service" test -L "$S/etc/rc.d/S90mpsa"
  reset
  inroot /bin/sh -c /tmp/apk.pre-deinstall
  calls >"$w/plain.prerm.calls"
  check "$arch: without default_prerm: pre-deinstall disables the service" test -z "$(ls "$S/etc/rc.d")"
  cp -p "$w/functions.sh" "$S/lib/functions.sh"
  inroot /etc/init.d/mpsa enable

  reset
  sapk add "$pkg2"
  check "$arch: upgrade with scripts exits 0" test $? -eq 0
  check "$arch: post-upgrade restarts the enabled service (procd kills the old agent, starts the new one)" \
    sh -c "grep -q '^procd_kill \[mpsa\]' '$S/tmp/procd.calls' && grep -qxF 'procd_open_service [mpsa] [/etc/init.d/mpsa]' '$S/tmp/procd.calls'"
  check "$arch: the service is still enabled after the upgrade" test -L "$S/etc/rc.d/S90mpsa"

  reset
  sapk del mpsa-agent
  check "$arch: apk del with scripts exits 0" test $? -eq 0
  sed 's/^/#   procd: /' "$S/tmp/procd.calls" 2>/dev/null
  check "$arch: pre-deinstall calls default_prerm for mpsa-agent" called "default_prerm [mpsa-agent]"
  check "$arch: pre-deinstall stops the service (procd kills instance, SIGTERM)" grep -q '^procd_kill \[mpsa\]' "$S/tmp/procd.calls"
  check "$arch: pre-deinstall disables it (no /etc/rc.d links left)" test -z "$(ls "$S/etc/rc.d")"
  calls >"$w/apk.prerm.calls"
  reset
  ln -s ../init.d/mpsa "$S/etc/rc.d/S90mpsa"
  mkdir -p "$S/etc/init.d" "$S/usr/sbin"
  install -m 0755 "$owrt/init.d/mpsa" "$S/etc/init.d/mpsa"
  install -m 0755 "$owrt/prerm" "$S/tmp/ipk.prerm"
  inroot /bin/sh -c "/tmp/ipk.prerm remove"
  calls >"$w/ipk.prerm.calls"
  check "$arch: pre-deinstall asks procd exactly what the .ipk's prerm asks" cmp -s "$w/apk.prerm.calls" "$w/ipk.prerm.calls"
  check "$arch: without default_prerm: pre-deinstall asks procd what the .ipk's prerm asks" \
    cmp -s "$w/plain.prerm.calls" "$w/ipk.prerm.calls"

  # An image build: apk passes IPKG_INSTROOT to the scripts (--preserve-env); they must do nothing.
  I=$w/image
  owrt_root "$I" "$arch"
  rm -f "$I/tmp/procd.calls"
  IPKG_INSTROOT=/tmp/image "$apk" --root "$I" --allow-untrusted --no-network --preserve-env add --initdb \
    "$w/base-stub.apk" "$pkg" >>"$w/apk.log" 2>&1
  check "$arch: image build (IPKG_INSTROOT): apk add exits 0" test $? -eq 0
  check "$arch: image build: post-install asks procd nothing" test ! -s "$I/tmp/procd.calls"
  check "$arch: image build: post-install enables nothing" test -z "$(ls "$I/etc/rc.d")"
  IPKG_INSTROOT=/tmp/image "$apk" --root "$I" --no-network --preserve-env del mpsa-agent >>"$w/apk.log" 2>&1
  check "$arch: image build: apk del exits 0, pre-deinstall asks procd nothing" test $? -eq 0 -a ! -s "$I/tmp/procd.calls"
done

finish
