#!/usr/bin/env bash
# test-flavours.sh [ARCH...] — the agent's two packages side by side (packaging/build/flavour.sh): mpsa-agent (PSK only)
# and mpsa-agent-openssl (with certificate authentication), default every architecture in packaging/openwrt/arches:
#  - .ipk control fields: names, Depends (libopenssl3 only for the openssl one), Provides/Conflicts/Replaces, the same
#    conffile; both install the same paths, and only the binary differs;
#  - .apk metadata (apk-tools v3): names, depends (libopenssl3 for the openssl one, each !the other), replaces;
#  - on the architecture this machine runs, in an OpenWrt-like root with the scripts run by the real apk: mpsa-agent
#    installed and enabled, its conffile changed; a plain `apk add mpsa-agent-openssl` is refused (conflict) and
#    changes nothing; `apk add mpsa-agent-openssl '!mpsa-agent'` swaps them in one transaction (the PSK package is
#    gone, the changed conffile stays, the service stays enabled and runs the new binary), and the same way back;
#  - in a root without glibc and without libssl: both binaries pass self-check and accept the shipped example;
#    `version` names the flavour; a configuration asking for certificates
#    gets one check-config line naming the file, the line and the package that has them (PSK) or libopenssl3
#    (openssl), and the PSK binary carries no X.509 code.
# Needs root (chroot). Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || mapfile -t arches < <(awk '$1 !~ /^#/ {print $1}' "$owrt/arches")
[ "$(id -u)" -eq 0 ] || { echo "test-flavours: needs root (chroot)"; echo "0 passed, 1 failed"; exit 1; }
"$root/packaging/build/deps.sh" "${arches[@]}" >&2 || { echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
apk=$("$root/packaging/build/apk-tools.sh"); apk_rc=$?
field() { sed -n "s/^$1: *//p" "$2"; }

# package_for ARCH FLAVOUR ipk|apk — the built package (made from the published agent when out/ holds none).
package_for() {
  local pa glob
  pa=$(pkg_arch "$1")
  case "$2:$3" in
    psk:ipk) glob="$root/out/mpsa-agent_*_$pa.ipk" ;;
    openssl:ipk) glob="$root/out/mpsa-agent-openssl_*_$pa.ipk" ;;
    psk:apk) glob="$root/out/$pa/mpsa-agent-[0-9]*.apk" ;;
    openssl:apk) glob="$root/out/$pa/mpsa-agent-openssl-[0-9]*.apk" ;;
  esac
  # shellcheck disable=SC2086 # glob
  if ! ls $glob >/dev/null 2>&1; then
    MPSA_REUSE_AGENT=1 "$root/packaging/build/make-$3.sh" "$1" "$2" >&2 || return 1
  fi
  # shellcheck disable=SC2086 # glob
  ls $glob 2>/dev/null | head -n 1
}

for arch in "${arches[@]}"; do
  echo "# --- $arch"
  pa=$(pkg_arch "$arch")
  w=$work/$arch
  mkdir -p "$w"
  psk_ipk=$(package_for "$arch" psk ipk) && ossl_ipk=$(package_for "$arch" openssl ipk) ||
    { check "$arch: both .ipk packages were built" false; continue; }
  unpack_ipk "$psk_ipk" "$w/psk" && unpack_ipk "$ossl_ipk" "$w/ossl" || { check "$arch: both .ipk unpack" false; continue; }
  p=$w/psk/control/control o=$w/ossl/control/control
  check "$arch: mpsa-agent: Package, file name" test "$(field Package "$p")" = mpsa-agent -a "$(basename "$psk_ipk")" = "mpsa-agent_$(field Version "$p")_$pa.ipk"
  check "$arch: mpsa-agent-openssl: Package, file name" \
    test "$(field Package "$o")" = mpsa-agent-openssl -a "$(basename "$ossl_ipk")" = "mpsa-agent-openssl_$(field Version "$o")_$pa.ipk"
  check "$arch: the same version" test "$(field Version "$p")" = "$(field Version "$o")"
  check "$arch: mpsa-agent does not depend on libopenssl3 (only suggests it)" \
    sh -c "! grep -q '^Depends:.*libopenssl3' '$p' && grep -q '^Suggests:.*libopenssl3' '$p'"
  check "$arch: mpsa-agent-openssl depends on libopenssl3" grep -q '^Depends:.*\blibopenssl3\b' "$o"
  check "$arch: mpsa-agent conflicts with and replaces mpsa-agent-openssl" \
    test "$(field Conflicts "$p") $(field Replaces "$p") $(field Provides "$p")" = "mpsa-agent-openssl mpsa-agent-openssl "
  check "$arch: mpsa-agent-openssl provides, conflicts with and replaces mpsa-agent" \
    test "$(field Provides "$o") $(field Conflicts "$o") $(field Replaces "$o")" = "mpsa-agent mpsa-agent mpsa-agent"
  check "$arch: both register /etc/mpsa/mpsa.conf as their conffile" \
    test "$(cat "$w/psk/control/conffiles")" = /etc/mpsa/mpsa.conf -a "$(cat "$w/ossl/control/conffiles")" = /etc/mpsa/mpsa.conf
  check "$arch: the descriptions name the other package" \
    sh -c "grep -q 'mpsa-agent-openssl' '$p' && grep -q 'replaces the' '$o'"
  list() { (cd "$1" && find . ! -type d | sort); }
  check "$arch: both install the same paths" test "$(list "$w/psk/root")" = "$(list "$w/ossl/root")"
  check "$arch: only the binary differs" \
    test "$(cd "$w/psk/root" && find . -type f ! -path ./usr/lib/mpsa/mpsa-agent -exec sha256sum {} + | sort)" = \
    "$(cd "$w/ossl/root" && find . -type f ! -path ./usr/lib/mpsa/mpsa-agent -exec sha256sum {} + | sort)"
  psk_size=$(stat -c %s "$w/psk/root/usr/lib/mpsa/mpsa-agent") ossl_size=$(stat -c %s "$w/ossl/root/usr/lib/mpsa/mpsa-agent")
  echo "# binary: mpsa-agent $psk_size bytes, mpsa-agent-openssl $ossl_size bytes"
  check "$arch: the PSK binary carries no X.509 code (no X509Chain in it, unlike the openssl one)" \
    sh -c "! grep -q X509Chain '$w/psk/root/usr/lib/mpsa/mpsa-agent' && grep -q X509Chain '$w/ossl/root/usr/lib/mpsa/mpsa-agent'"
  # What the PSK binary was cut down by, each worth tens to hundreds of kB (bench/RESULTS.md): its compiler map must
  # show none of it, so a change that brings one back fails here, not just in the next size table.
  map=$root/out/build/$arch/obj/mpsa-agent.map.xml
  absent() { [ -s "$map" ] || return 1; for p in "$@"; do ! grep -q "$p" "$map" || return 1; done; }
  check "$arch: the PSK binary has no runtime type loader (generic virtual calls, ranges over reference-type arrays)" \
    absent S_P_TypeLoader_Internal_Runtime_TypeLoader_TypeBuilder
  check "$arch: the PSK binary reads no custom attributes (reflection)" absent NativeFormatCustomAttributeData
  check "$arch: the PSK binary has no LoggerMessage, System.Text.Json or System.Formats.Asn1" \
    absent LoggerMessage__Define System_Text_Json_System_Text_Json_Utf8JsonWriter System_Formats_Asn1_System_Formats_Asn1_AsnDecoder
  check "$arch: the PSK binary has no System.Net.Sockets, DiagnosticSource, FileStream or UTF-16/UTF-32 decoding" \
    absent System_Net_Sockets_System_Net_Sockets_Socket__ System_Diagnostics_DiagnosticSource \
    S_P_CoreLib_System_IO_FileStream___ctor S_P_CoreLib_System_Text_UnicodeEncoding S_P_CoreLib_System_Text_UTF32Encoding

  # --- .apk metadata. -----------------------------------------------------------------------------------------------
  if [ $apk_rc -eq 3 ]; then
    skip "$arch: .apk flavours (no apk-tools v3 here)"
  else
    psk_apk=$(package_for "$arch" psk apk) && ossl_apk=$(package_for "$arch" openssl apk) ||
      { check "$arch: both .apk packages were built" false; continue; }
    "$apk" adbdump "$psk_apk" >"$w/psk.adb" 2>&1
    "$apk" adbdump "$ossl_apk" >"$w/ossl.adb" 2>&1
    # items NAME FILE — the list under "  NAME:" in an adbdump, sorted, on one line
    items() { sed -n "/^  $1:/,/^  [a-z]/p" "$2" | sed -n 's/^    - //p' | tr -d "'" | LC_ALL=C sort | tr '\n' ' '; }
    version=$(sed -n 's/^  version: //p' "$w/psk.adb")
    check "$arch: .apk names" test "$(sed -n 's/^  name: //p' "$w/psk.adb") $(sed -n 's/^  name: //p' "$w/ossl.adb")" = \
      "mpsa-agent mpsa-agent-openssl"
    check "$arch: mpsa-agent.apk depends on no libopenssl3 and conflicts with mpsa-agent-openssl" \
      test "$(items depends "$w/psk.adb")" = "!mpsa-agent-openssl kmod-crypto-user kmod-ipsec kmod-ipsec4 libc "
    check "$arch: mpsa-agent-openssl.apk depends on libopenssl3 and conflicts with mpsa-agent" \
      test "$(items depends "$w/ossl.adb")" = "!mpsa-agent kmod-ipsec kmod-ipsec4 libc libopenssl3 "
    check "$arch: the two .apk replace each other" \
      test "$(items replaces "$w/psk.adb")/$(items replaces "$w/ossl.adb")" = "mpsa-agent-openssl /mpsa-agent "
    check "$arch: each .apk's scripts name their own package" \
      sh -c "grep -q 'pkgname=mpsa-agent\$' '$w/psk.adb' && grep -q 'pkgname=mpsa-agent-openssl\$' '$w/ossl.adb'"
  fi

  if [ "$arch" != "$(uname -m)" ]; then
    skip "$arch: swapping the packages with apk and running the binaries (not this machine's architecture)"
    continue
  fi

  # --- Swapping the packages with the real apk, scripts run, in an OpenWrt-like root. -------------------------------
  if [ $apk_rc -ne 3 ]; then
    S=$w/owrt
    owrt_root "$S" "$arch"
    stub_apk "$apk" "$pa" "$w" "libopenssl3=3" >>"$w/apk.log" 2>&1
    sapk() { "$apk" --root "$S" --allow-untrusted --no-network "$@" >>"$w/apk.log" 2>&1; }
    installed() { "$apk" --root "$S" info 2>/dev/null | sort | tr '\n' ' '; }
    last_start() { grep -F 'procd_set_param [command]' "$S/tmp/procd.calls" 2>/dev/null | tail -n 1; }
    sapk add --initdb "$w/base-stub.apk" "$psk_apk"
    check "$arch: apk add mpsa-agent (scripts run)" test $? -eq 0
    echo "# changed by the administrator" >>"$S/etc/mpsa/mpsa.conf"
    cp "$S/etc/mpsa/mpsa.conf" "$w/mpsa.conf.changed"
    sapk add "$ossl_apk"
    check "$arch: a plain apk add mpsa-agent-openssl over mpsa-agent is refused (they conflict)" test $? -ne 0
    check "$arch: ... and changes nothing" test "$(installed)" = "mpsa-agent openwrt-base-stub "
    rm -f "$S/tmp/procd.calls"
    sapk add "$ossl_apk" '!mpsa-agent'
    check "$arch: apk add mpsa-agent-openssl '!mpsa-agent' swaps them (exit 0)" test $? -eq 0
    check "$arch: ... mpsa-agent-openssl is installed and mpsa-agent is gone" \
      test "$(installed)" = "mpsa-agent-openssl openwrt-base-stub "
    check "$arch: ... the binary is the openssl one" cmp -s "$S/usr/lib/mpsa/mpsa-agent" "$w/ossl/root/usr/lib/mpsa/mpsa-agent"
    check "$arch: ... the administrator's mpsa.conf is kept" cmp -s "$S/etc/mpsa/mpsa.conf" "$w/mpsa.conf.changed"
    check "$arch: ... apk owns every file to mpsa-agent-openssl" \
      test "$("$apk" --root "$S" info -W /usr/lib/mpsa/mpsa-agent /etc/init.d/mpsa 2>/dev/null | sed 's/.* owned by //' | sort -u)" = \
      "mpsa-agent-openssl-$version"
    check "$arch: ... the service is still enabled" test -L "$S/etc/rc.d/S90mpsa"
    check "$arch: ... and was started again (procd was given the command line)" test -n "$(last_start)"
    sed 's/^/#   procd: /' "$S/tmp/procd.calls" 2>/dev/null | tail -n 6
    rm -f "$S/tmp/procd.calls"
    sapk add "$psk_apk" '!mpsa-agent-openssl'
    check "$arch: back: apk add mpsa-agent '!mpsa-agent-openssl' exits 0" test $? -eq 0
    check "$arch: ... mpsa-agent is installed, the openssl one gone" test "$(installed)" = "mpsa-agent openwrt-base-stub "
    check "$arch: ... the binary is the PSK one" cmp -s "$S/usr/lib/mpsa/mpsa-agent" "$w/psk/root/usr/lib/mpsa/mpsa-agent"
    check "$arch: ... the administrator's mpsa.conf is kept" cmp -s "$S/etc/mpsa/mpsa.conf" "$w/mpsa.conf.changed"
    check "$arch: ... the service is enabled and started" test -L "$S/etc/rc.d/S90mpsa" -a -n "$(last_start)"
  fi

  # --- The binaries in a root without glibc and without libssl. -----------------------------------------------------
  R=$w/root
  mkdir -p "$R/lib" "$R/proc" "$R/tmp" "$R/etc/mpsa"
  cp -a "$w/psk/root/." "$R/"
  cp "$(musl_loader "$arch")" "$R/lib/ld-musl-$arch.so.1"
  cp "$w/ossl/root/usr/lib/mpsa/mpsa-agent" "$R/usr/lib/mpsa/mpsa-agent-openssl"
  cat >"$R/etc/mpsa/certs.conf" <<'EOF'
[agent]
identity = cpe1.example
certificate = cpe1.pem
private_key = cpe1.key
ca = ca.pem

[controller]
address = 192.0.2.1
identity = ctl.example
EOF
  run() { unshare -m --propagation private sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$R" "$R" "$@" >"$w/out" 2>&1; }
  run /usr/lib/mpsa/mpsa-agent version
  check "$arch: mpsa-agent version says it is PSK only and names mpsa-agent-openssl" \
    grep -q '^mpsa-agent [0-9].*PSK only.*mpsa-agent-openssl' "$w/out"
  run /usr/lib/mpsa/mpsa-agent-openssl version
  check "$arch: the openssl binary's version says it has certificates" grep -q '^mpsa-agent [0-9].*mpsa-agent-openssl: PSK and certificates' "$w/out"
  for bin in mpsa-agent mpsa-agent-openssl; do
    run "/usr/lib/mpsa/$bin" self-check
    check "$arch: $bin self-check OK without glibc and libssl (known answer + default-suite exchange)" grep -q '^self-check OK:' "$w/out"
    run "/usr/lib/mpsa/$bin" check-config --config /etc/mpsa/mpsa.conf
    check "$arch: $bin check-config accepts the shipped example" grep -q 'configuration OK' "$w/out"
  done
  run /usr/lib/mpsa/mpsa-agent check-config --config /etc/mpsa/certs.conf
  rc=$?
  sed 's/^/#   /' "$w/out"
  check "$arch: PSK binary: check-config of a certificate config exits non-zero" test "$rc" -ne 0
  check "$arch: ... with one line naming the file, the line and mpsa-agent-openssl" \
    grep -q '^/etc/mpsa/certs.conf:3: .*certificate.*not in this package.*install mpsa-agent-openssl' "$w/out"
  run /usr/lib/mpsa/mpsa-agent-openssl check-config --config /etc/mpsa/certs.conf
  rc=$?
  sed 's/^/#   /' "$w/out"
  check "$arch: openssl binary without libssl: check-config names libopenssl3 instead" \
    sh -c "[ $rc -ne 0 ] && grep -q '^/etc/mpsa/certs.conf:3: .*libopenssl3' '$w/out' && ! grep -q 'install mpsa-agent-openssl' '$w/out'"
done

finish
