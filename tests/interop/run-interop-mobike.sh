#!/usr/bin/env bash
# run-interop-mobike.sh: the CPE's address changes and the IKE SA moves with MOBIKE (RFC 4555).
# run-interop.sh hands its *-mobike scenarios to this script:
#
#   tests/interop/run-interop.sh agent-to-charon-mobike      SUITE EVIDENCE_DIR
#       mpsa-agent (--dry-run, no local_address: it follows the uplink) initiates to a charon responder
#       with mobike = yes. Once the IKE SA and the CHILD_SA are up, the CPE namespace's address changes
#       from 10.91.0.2 to 10.91.0.3 (the old one removed). Done when charon lists the same IKE SA (same
#       SPIs) with the remote address 10.91.0.3, the agent logged the move (event 109), and a liveness
#       check the agent sends afterwards (control socket) is answered (event 207).
#   tests/interop/run-interop.sh charon-to-controller-mobike SUITE EVIDENCE_DIR
#       a charon initiator (mobike = yes, local_addrs = %any) connects to mpsa-controller, whose group
#       has a short lifetime (26 s, rekey_margin 10 s, roll1 2 s, roll2 4 s); then its address changes
#       as above. Done when the controller logged the move (event 224) and shows the member at
#       10.91.0.3, charon lists the same IKE SA from 10.91.0.3, and charon acknowledged the next group
#       SA, pushed to its new address after the move (event 205 for another SPI).
#
# Besides what run-interop.sh leaves: list-sas-NAME-before.txt (the SAs before the move),
# DAEMON-at-outcome.log, result.txt ike_spis_before, ike_spis_after, moved_after_ms (from the address
# change to charon listing the new address, or the controller logging the move).
# Environment: run-interop.sh's. Exit status as run-interop.sh.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=interop-lib.sh
. "$HERE/interop-lib.sh"
# shellcheck source=outcome-lib.sh
. "$HERE/outcome-lib.sh"

[ $# -eq 3 ] || { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
SCENARIO=$1 SUITE=$2 EVIDENCE=$3
ESP=${IO_ESP[$SUITE]:-}
[ -n "$ESP" ] || { io_log "unknown suite $SUITE (known: ${!IO_ESP[*]})"; exit 2; }
TIMEOUT=${INTEROP_TIMEOUT:-20}
NEW_CPE=10.91.0.3
export IO_MOBIKE=yes
case $SCENARIO in
agent-to-charon-mobike) export IO_AGENT_LOCAL="" ;;   # no local_address: the agent follows the uplink
charon-to-controller-mobike) ;;
*) io_log "unknown scenario $SCENARIO"; exit 2 ;;
esac

io_init "$EVIDENCE" "$SCENARIO" "$SUITE"
io_result esp "$ESP"
io_result new_addr_cpe "$NEW_CPE"

# lists NAME SIDE ADDRESS: charon's one IKE SA has ADDRESS as its SIDE (local|remote) endpoint
lists() { sw_list_sas "$1" 2>/dev/null | grep -Eq "^  $2 +'[^']*' @ $3\["; }
log_has() { grep -Eq "$1" "$SW_WORKDIR/$IO_DAEMON_NAME.log" 2>/dev/null; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# move: a PPPoE reconnect in the CPE's namespace: the old address goes, a new one comes (in the same /24 the new one
# could not come first: deleting a primary IPv4 address takes its secondaries with it)
move() {
	io_mark move
	MOVED_AT=$(now_ms)
	ip -n "$IO_NS_CPE" addr del "$IO_ADDR_CPE/24" dev veth-c || not_reached "cannot remove $IO_ADDR_CPE in $IO_NS_CPE"
	ip -n "$IO_NS_CPE" addr add "$NEW_CPE/24" dev veth-c || not_reached "cannot add $NEW_CPE in $IO_NS_CPE"
}
same_ike_sa() { # NAME
	local after
	after=$(ike_spis "$1")
	io_result ike_spis_after "$after"
	[ "$after" = "$BEFORE_IKE" ] || not_reached "charon $1 lists the IKE SA(s) [$after], not the one from before the move ($BEFORE_IKE)"
}

case $SCENARIO in
agent-to-charon-mobike)
	io_preflight yes no
	io_start_lab
	io_charon_start hub "$IO_NS_HUB" || not_reached "charon hub did not start"
	# remote_addrs %any: the member may come from another address after the move
	sw_load_config hub "$(io_swanctl_conf responder "$IO_ADDR_HUB" "%any" "$IO_ID_HUB" "$IO_ID_CPE" "$SUITE" "$ESP")" ||
		not_reached "swanctl --load-all failed (hub)"
	IO_DAEMON_CONF=$SW_WORKDIR/agent.conf
	io_agent_conf "$SUITE" "$ESP" >"$IO_DAEMON_CONF"
	"$IO_AGENT_BIN" check-config --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/agent-check-config.txt" 2>&1
	io_result check_config_rc "$?"
	io_mark lab
	# shellcheck disable=SC2086
	io_daemon_start agent "$IO_NS_CPE" run --config "$IO_DAEMON_CONF" ${MPSA_AGENT_ARGS---dry-run} ||
		not_reached "mpsa-agent exited at start"
	io_wait "$TIMEOUT" established_installed hub || not_reached "charon hub: no IKE SA ESTABLISHED with a CHILD_SA INSTALLED$(gone)"
	io_wait 10 status_has child_sa || not_reached "mpsa-agent status --json shows no child_sa$(gone)"
	io_mark established
	sw_list_sas hub >"$IO_EVIDENCE/list-sas-hub-before.txt" 2>&1
	BEFORE_IKE=$(ike_spis hub)
	io_result ike_spis_before "$BEFORE_IKE"
	move
	io_wait "$TIMEOUT" lists hub remote "$NEW_CPE" || not_reached "charon hub does not list the remote address $NEW_CPE$(gone)"
	io_result moved_after_ms $(($(now_ms) - MOVED_AT))
	io_mark moved
	same_ike_sa hub
	io_wait 10 log_has 'mpsa-agent\[109\]' || not_reached "the agent did not log the move (event 109)$(gone)"
	# the moved IKE SA still works: a liveness check from the agent, answered
	lines_before=$(wc -l <"$SW_WORKDIR/agent.log")
	"$IO_AGENT_BIN" check-liveness --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/agent-check-liveness.txt" 2>&1
	io_result check_liveness_rc "$?"
	answered() { tail -n +"$((lines_before + 1))" "$SW_WORKDIR/agent.log" | grep -q 'mpsa-agent\[207\]'; }
	io_wait 10 answered || not_reached "the agent's liveness check after the move was not answered$(gone)"
	same_ike_sa hub
	ok
	;;
charon-to-controller-mobike)
	io_preflight no yes
	io_start_lab
	# the next group SA is pushed 16 s after the first one: after the move, which comes once the first is acknowledged
	export IO_GROUP_LIFETIME=26s IO_GROUP_REKEY_MARGIN=10s IO_GROUP_ROLL1=2s IO_GROUP_ROLL2=4s
	IO_DAEMON_CONF=$SW_WORKDIR/controller.conf
	io_controller_conf "$SUITE" "$ESP" >"$IO_DAEMON_CONF"
	"$IO_CONTROLLER_BIN" check-config --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/controller-check-config.txt" 2>&1
	io_result check_config_rc "$?"
	io_mark lab
	# shellcheck disable=SC2086
	io_daemon_start controller "$IO_NS_HUB" run --config "$IO_DAEMON_CONF" ${MPSA_CONTROLLER_ARGS:-} ||
		not_reached "mpsa-controller exited at start"
	io_wait 10 daemon_answers || not_reached "mpsa-controller status --json does not answer$(gone)"
	io_charon_start cpe "$IO_NS_CPE" || not_reached "charon cpe did not start"
	# local_addrs %any: charon may move to whatever address its namespace has
	sw_load_config cpe "$(io_swanctl_conf initiator "%any" "$IO_ADDR_HUB" "$IO_ID_CPE" "$IO_ID_HUB" "$SUITE" "$ESP")" ||
		not_reached "swanctl --load-all failed (cpe)"
	io_mark initiate
	sw_initiate cpe mpsa mpsa "$TIMEOUT"
	io_result initiate_rc "$?"
	first_acked() {
		io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null || return 1
		FIRST_ACKED=$(status_field last_acked_spi)
		[ -n "$FIRST_ACKED" ]
	}
	io_wait "$TIMEOUT" first_acked || not_reached "no acknowledged MPSA_PUT before the move$(gone)"
	io_result first_acked_spi "$FIRST_ACKED"
	io_wait 5 established_installed cpe || not_reached "charon cpe: no IKE SA ESTABLISHED with a CHILD_SA INSTALLED$(gone)"
	io_mark established
	sw_list_sas cpe >"$IO_EVIDENCE/list-sas-cpe-before.txt" 2>&1
	BEFORE_IKE=$(ike_spis cpe)
	io_result ike_spis_before "$BEFORE_IKE"
	move
	io_wait "$TIMEOUT" log_has "mpsa-controller\\[224\\] member cpe1 moved its IKE SA .* to $NEW_CPE:" ||
		not_reached "the controller did not log the member's move to $NEW_CPE (event 224)$(gone)"
	io_result moved_after_ms $(($(now_ms) - MOVED_AT))
	io_mark moved
	member_at_new_address() {
		io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null || return 1
		tr -d '\n' <"$SW_WORKDIR/status.json" | grep -Eq "\"address\"[[:space:]]*:[[:space:]]*\"$NEW_CPE:"
	}
	io_wait 5 member_at_new_address || not_reached "mpsa-controller status does not show the member at $NEW_CPE$(gone)"
	io_wait 5 lists cpe local "$NEW_CPE" || not_reached "charon cpe does not list its local address $NEW_CPE"
	same_ike_sa cpe
	# the next group SA goes to the new address and is acknowledged there
	next_acked() {
		awk -v first="SPI $FIRST_ACKED" '/mpsa-controller\[224\]/ { seen = 1; next }
			seen && /mpsa-controller\[205\] member cpe1 acknowledged SPI / && index($0, first) == 0 { found = 1 }
			END { exit !found }' "$SW_WORKDIR/controller.log" 2>/dev/null
	}
	io_wait $((TIMEOUT + 16)) next_acked ||
		not_reached "no acknowledgement of the next group SA (controller event 205 for an SPI other than $FIRST_ACKED) after the move$(gone)"
	same_ike_sa cpe
	ok
	;;
esac
