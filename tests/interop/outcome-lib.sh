#!/usr/bin/env bash
# outcome-lib.sh: the verdict and the condition helpers of the interop scripts that keep our daemon's log as it was at
# the outcome (run-interop-rekey.sh, run-interop-mobike.sh). Sourced after interop-lib.sh, with SCENARIO and SUITE set.

# ok / not_reached REASON...: result.txt's outcome, a snapshot of both sides, DAEMON-at-outcome.log; exit 0 / 1
ok() {
	io_mark outcome
	io_snapshot
	[ -n "$IO_DAEMON_NAME" ] && cp "$SW_WORKDIR/$IO_DAEMON_NAME.log" "$IO_EVIDENCE/$IO_DAEMON_NAME-at-outcome.log"
	io_result outcome ok
	io_result reason ""
	exit 0
}
not_reached() {
	io_mark outcome
	io_snapshot
	[ -n "$IO_DAEMON_NAME" ] && [ -f "$SW_WORKDIR/$IO_DAEMON_NAME.log" ] &&
		cp "$SW_WORKDIR/$IO_DAEMON_NAME.log" "$IO_EVIDENCE/$IO_DAEMON_NAME-at-outcome.log"
	io_result outcome failed
	io_result reason "$*"
	io_log "$SCENARIO $SUITE: $*"
	exit 1
}
daemon_alive() { [ -n "$IO_DAEMON_PID" ] && kill -0 "$IO_DAEMON_PID" 2>/dev/null; }
daemon_answers() { io_daemon_status >/dev/null 2>&1; }
gone() { daemon_alive || echo "; mpsa-$IO_DAEMON_NAME is no longer running"; }
status_has() { # KEY: status JSON holds "KEY": {...}
	io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null && io_json_has_object "$SW_WORKDIR/status.json" "$1"
}
status_field() { # KEY: the first string value of "KEY" in the last status JSON read
	tr -d '\n' <"$SW_WORKDIR/status.json" | grep -Eo "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" | head -1 | sed -E 's/.*"([^"]*)"$/\1/'
}
established_installed() { # NAME
	local out
	out=$(sw_list_sas "$1" 2>/dev/null) || return 1
	grep -q ESTABLISHED <<<"$out" && grep -q INSTALLED <<<"$out"
}
# ike_spis NAME: "IKESPI_i IKESPI_r" of each IKE SA charon lists, one SA a line
ike_spis() { sw_list_sas "$1" 2>/dev/null | grep -Eo '[0-9a-f]{16}_i\*? [0-9a-f]{16}_r\*?' | tr -d '*'; }
