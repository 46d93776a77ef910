# flavour.sh — sourced after arch.sh with FLAVOUR ($2 of the calling script): which of the two agent packages to make,
# the OpenWrt way (like wpad-basic / wpad-openssl), from one source tree:
#   psk      mpsa-agent          PSK authentication only, no X.509 code (published with MpsaCertificates=false);
#                                libssl stays optional (AES, ECP and SHA-1 use it when present); NAT detection's
#                                SHA-1 comes from the kernel (AF_ALG, kmod-crypto-user) without it
#   openssl  mpsa-agent-openssl  PSK and certificate authentication; depends on libopenssl3
# The two conflict with and replace each other and share /etc/mpsa/mpsa.conf as a conffile. Sets flavour, pkg_name,
# other_pkg, certificates (the MpsaCertificates build property), agent (the publish output directory), depends and
# suggests (comma-separated, as in an .ipk's control file).
flavour=${2:-psk}
case "$flavour" in
  psk)
    pkg_name=mpsa-agent other_pkg=mpsa-agent-openssl certificates=false agent_dir=$arch
    depends="libc, kmod-ipsec, kmod-ipsec4, kmod-crypto-user" suggests="libopenssl3, kmod-ipsec6" ;;
  openssl)
    pkg_name=mpsa-agent-openssl other_pkg=mpsa-agent certificates=true agent_dir=$arch-openssl
    depends="libc, kmod-ipsec, kmod-ipsec4, libopenssl3" suggests="kmod-ipsec6" ;;
  *)
    echo "usage: $0 ARCH [FLAVOUR]   (FLAVOUR: psk (default, package mpsa-agent) | openssl (mpsa-agent-openssl))" >&2
    exit 2 ;;
esac
agent=$root/out/agent/$agent_dir

# ensure_agent — the packaging scripts' first step: publish this flavour's agent (publish-agent.sh), unless
# MPSA_REUSE_AGENT=1 and its output is already there. info KEY — a field of that output's build-info.
ensure_agent() {
  if [ "${MPSA_REUSE_AGENT:-0}" != 1 ] || [ ! -f "$agent/build-info" ]; then
    "$root/packaging/build/publish-agent.sh" "$arch" "$flavour"
  fi
}
info() { sed -n "s/^$1=//p" "$agent/build-info"; }

# control_for VERSION INSTALLED_SIZE BUILD — this flavour's .ipk control file (make-apk.sh takes its fields from it too).
control_for() {
  local relations title
  if [ "$flavour" = psk ]; then
    relations="Conflicts: $other_pkg\nReplaces: $other_pkg" title=", PSK only"
  else
    relations="Provides: $other_pkg\nConflicts: $other_pkg\nReplaces: $other_pkg" title=", with certificates"
  fi
  sed -e "s|@PACKAGE@|$pkg_name|" -e "s|@VERSION@|$1|" -e "s|@DEPENDS@|$depends|" -e "s|@SUGGESTS@|$suggests|" \
    -e "s|@RELATIONS@|$relations|" -e "s|@TITLE@|$title|" -e "s|@ARCH@|$pkg_arch|" -e "s|@INSTALLED_SIZE@|$2|" \
    -e "s|@LICENSE@|${PKG_LICENSE:-NOASSERTION}|" -e "s|@MAINTAINER@|${PKG_MAINTAINER:-mpsa project}|" -e "s|@ROUTE@|$3|" \
    -e "/^@FLAVOUR@\$/{r $owrt/flavour-$flavour.txt" -e "d}" "$owrt/control.in"
}
