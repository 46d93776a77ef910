# Test stand-in for OpenWrt's /lib/functions/service.sh: the init script under test uses none of its helpers.
