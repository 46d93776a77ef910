# Test stand-in for OpenWrt's /lib/functions.sh. The init script under test uses none of its helpers; the .apk's
# scripts call default_postinst and default_prerm, which here do what OpenWrt's do for the init scripts a package lists
# in /lib/apk/packages/$pkgname.list (enable unless upgrading, then start; disable unless upgrading, then stop) and
# record their call in /tmp/procd.calls.
default_postinst() {
	echo "default_postinst [$pkgname]" >>/tmp/procd.calls
	for i in $(grep -s '^/etc/init.d/' "$root/lib/apk/packages/$pkgname.list"); do
		[ "$PKG_UPGRADE" = 1 ] || "$i" enable
		"$i" start
	done
}

default_prerm() {
	echo "default_prerm [$pkgname]" >>/tmp/procd.calls
	for i in $(grep -s '^/etc/init.d/' "$root/lib/apk/packages/$pkgname.list"); do
		[ "$PKG_UPGRADE" = 1 ] || "$i" disable
		"$i" stop
	done
}
