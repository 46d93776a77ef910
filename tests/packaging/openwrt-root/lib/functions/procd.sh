# Test stand-in for OpenWrt's /lib/functions/procd.sh: every procd helper records its call, one line per call in
# /tmp/procd.calls: the name, then each argument in brackets (so argument boundaries are kept).
_procd_record() {
	{
		printf '%s' "$1"
		shift
		for a in "$@"; do
			printf ' [%s]' "$a"
		done
		echo
	} >>/tmp/procd.calls
}

for f in procd_open_service procd_open_instance procd_close_instance procd_set_param \
	procd_append_param procd_add_jail procd_add_jail_mount procd_add_jail_mount_rw procd_kill procd_send_signal \
	procd_running procd_add_reload_trigger procd_add_raw_trigger procd_add_config_trigger procd_open_trigger \
	procd_close_trigger procd_add_interface_trigger procd_add_validation procd_open_data procd_close_data; do
	eval "$f() { _procd_record $f \"\$@\"; }"
done

# as in OpenWrt, closing the service asks the init script for its triggers
procd_close_service() {
	procd_open_trigger
	service_triggers
	procd_close_trigger
	_procd_record procd_close_service "$@"
}
