# Test stand-in for OpenWrt's /lib/functions.sh: the init script under test uses none of its helpers.
