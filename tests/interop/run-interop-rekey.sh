#!/usr/bin/env bash
# run-interop-rekey.sh: charon starts the rekeys (RFC 7296 §1.3.2, §1.3.3, §2.8) and our daemons follow them.
# run-interop.sh hands its *-rekey-ike and *-rekey-child scenarios to this script:
#
#   tests/interop/run-interop.sh agent-to-charon-rekey-ike        SUITE EVIDENCE_DIR
#   tests/interop/run-interop.sh agent-to-charon-rekey-child      SUITE EVIDENCE_DIR
#       mpsa-agent (--dry-run) initiates to a charon responder whose IKE SA (or CHILD_SA) has
#       rekey_time = INTEROP_REKEY_TIME. Done when charon lists one IKE SA with one CHILD_SA whose
#       SPIs differ from the first ones, the agent's status shows the new SPIs, and the agent's
#       liveness check (asked for over the control socket after the rekey) was answered.
#   tests/interop/run-interop.sh agent-rekeys-charon-ike          SUITE EVIDENCE_DIR
#   tests/interop/run-interop.sh agent-rekeys-charon-child        SUITE EVIDENCE_DIR
#       the same, but the agent starts the rekey (its ike_lifetime or child_lifetime = INTEROP_REKEY_TIME,
#       rekey_jitter 0 %) and charon, with no rekey time of its own, answers it.
#   tests/interop/run-interop.sh agent-reauths-charon             SUITE EVIDENCE_DIR
#       the agent reauthenticates (reauth_time = 30 s, make-before-break): charon lists one IKE SA with other
#       SPIs and one CHILD_SA, the first IKE SA destroyed, the agent's status and liveness check as above.
#   tests/interop/run-interop.sh charon-to-controller-reauth      SUITE EVIDENCE_DIR
#       a charon initiator with reauth_time = INTEROP_REKEY_TIME (make_before_break = yes) reauthenticates
#       with mpsa-controller; done as for the IKE SA rekey below (the next group SA acknowledged after it).
#   tests/interop/run-interop.sh charon-to-controller-rekey-ike   SUITE EVIDENCE_DIR
#   tests/interop/run-interop.sh charon-to-controller-rekey-child SUITE EVIDENCE_DIR
#       a charon initiator with that rekey_time connects to mpsa-controller, whose group has a
#       short lifetime (26 s, rekey_margin 10 s, roll1 2 s, roll2 4 s). Done when charon rekeyed as
#       above and then acknowledged the next group SA (the controller logs "acknowledged SPI" for
#       an SPI other than the first one, after the rekey).
#
# Besides what run-interop.sh leaves: list-sas-NAME-before.txt and DAEMON-before-status.json (the
# first SAs), DAEMON-at-outcome.log (our daemon's log when the outcome was reached, before it
# was stopped), result.txt first_acked_spi (controller scenarios).
# Environment: INTEROP_REKEY_TIME (s, default 10) as well as run-interop.sh's. Exit status as run-interop.sh.
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
REKEY=${INTEROP_REKEY_TIME:-10}
case $SCENARIO in
agent-rekeys-charon-ike) KIND=ike; IO_AGENT_EXTRA=$'ike_lifetime = '"$REKEY"$'s\nrekey_jitter = 0%' ;;
agent-rekeys-charon-child) KIND=child; IO_AGENT_EXTRA=$'child_lifetime = '"$REKEY"$'s\nrekey_jitter = 0%' ;;
agent-reauths-charon) KIND=reauth; REKEY=30; IO_AGENT_EXTRA=$'reauth_time = 30s\nrekey_jitter = 0%' ;;
charon-to-controller-reauth) KIND=reauth; export IO_IKE_REAUTH_TIME=$REKEY ;;
*-rekey-ike) KIND=ike; export IO_IKE_REKEY_TIME=$REKEY ;;
*-rekey-child) KIND=child; export IO_CHILD_REKEY_TIME=$REKEY ;;
*) io_log "unknown scenario $SCENARIO"; exit 2 ;;
esac
export IO_AGENT_EXTRA

# charon keeps a rekeyed CHILD_SA's inbound state (DELETED) for delete_rekeyed_delay (5 s) before it destroys it
IO_CHARON_EXTRA+=$'\n\tdelete_rekeyed_delay = 1'
# a reauthentication makes the new IKE SA before the old one goes (RFC 7296 §2.8.3)
IO_CHARON_EXTRA+=$'\n\tmake_before_break = yes'

io_init "$EVIDENCE" "$SCENARIO" "$SUITE"
io_result esp "$ESP"
io_result rekey "$KIND"
io_result rekey_time "$REKEY"

# child_spis NAME: "CHILD_in CHILD_out" of the CHILD_SAs charon lists
child_spis() { sw_list_sas "$1" 2>/dev/null | grep -Eo '^ +(in|out) +[0-9a-f]{8}' | awk '{ printf "%s%s", sep, $2; sep = " " } END { print "" }'; }
# rekeyed NAME: charon destroyed the first SA of this KIND (its log), lists exactly one IKE SA ESTABLISHED
# with exactly one CHILD_SA INSTALLED, and that SA has other SPIs than at the start (BEFORE_IKE, BEFORE_CHILD)
rekeyed() {
	local out ike gone
	gone="IKE_SA mpsa\\[$BEFORE_IKE_ID\\] state change: DELETING => DESTROYING"
	[ "$KIND" = child ] && gone="CHILD_SA mpsa\\{$BEFORE_CHILD_ID\\} state change: DELETED => DESTROYING"
	grep -Eq "$gone" "$(sw_instance_dir "$1")/charon.log" 2>/dev/null || return 1
	out=$(sw_list_sas "$1" 2>/dev/null) || return 1
	[ "$(grep -c ', IKEv2, ' <<<"$out")" = 1 ] && [ "$(grep -c ', reqid ' <<<"$out")" = 1 ] || return 1
	grep -q ESTABLISHED <<<"$out" && grep -q INSTALLED <<<"$out" || return 1
	if [ "$KIND" != child ]; then
		ike=$(ike_spis "$1")
		[ -n "$ike" ] && [ "$ike" != "$BEFORE_IKE" ]
	else
		[ "$(child_spis "$1")" != "$BEFORE_CHILD" ]
	fi
}
why_not_rekeyed() { # NAME
	local out
	out=$(sw_list_sas "$1" 2>/dev/null)
	echo "charon $1 did not rekey the $KIND SA within ${REKEY}+${TIMEOUT} s to one IKE SA with one CHILD_SA:" \
		"IKE SAs [$(ike_spis "$1" | paste -sd ',')] (first $BEFORE_IKE), CHILD SPIs [$(child_spis "$1")] (first $BEFORE_CHILD);" \
		"states $(grep -Eo '(ESTABLISHED|INSTALLED|REKEYING|REKEYED|DELETING|CONNECTING|INSTALLING)' <<<"$out" | paste -sd ' ')"
}

before() { # NAME: the first SAs, kept as evidence
	sw_list_sas "$1" >"$IO_EVIDENCE/list-sas-$1-before.txt" 2>&1
	BEFORE_IKE=$(ike_spis "$1")
	BEFORE_CHILD=$(child_spis "$1")
	BEFORE_IKE_ID=$(sed -nE 's/^[^ ]+: #([0-9]+), [A-Z_]+, IKEv2, .*/\1/p' "$IO_EVIDENCE/list-sas-$1-before.txt" | head -1)
	BEFORE_CHILD_ID=$(sed -nE 's/^  [^ ]+: #([0-9]+), reqid .*/\1/p' "$IO_EVIDENCE/list-sas-$1-before.txt" | head -1)
	io_result ike_spis_before "$BEFORE_IKE"
	io_result child_spis_before "$BEFORE_CHILD"
	io_daemon_status >"$IO_EVIDENCE/$IO_DAEMON_NAME-before-status.json" 2>/dev/null
}

case $SCENARIO in
agent-to-charon-rekey-* | agent-rekeys-charon-* | agent-reauths-charon)
	io_preflight yes no
	io_start_lab
	io_charon_start hub "$IO_NS_HUB" || not_reached "charon hub did not start"
	sw_load_config hub "$(io_swanctl_conf responder "$IO_ADDR_HUB" "$IO_ADDR_CPE" "$IO_ID_HUB" "$IO_ID_CPE" "$SUITE" "$ESP")" ||
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
	before hub
	io_wait $((REKEY + TIMEOUT)) rekeyed hub || not_reached "$(why_not_rekeyed hub)$(gone)"
	io_mark rekeyed
	# the agent follows: its status shows the SPIs charon lists now
	agent_follows() {
		status_has child_sa || return 1
		if [ "$KIND" != child ]; then
			# the same two SPIs (which one the agent calls spi_i is checked by the NUnit test)
			[ "$(printf '%s\n' "$(status_field spi_i)" "$(status_field spi_r)" | sort | paste -sd ' ')" = \
				"$(ike_spis hub | sed -E 's/_i|_r//g' | tr ' ' '\n' | sort | paste -sd ' ')" ]
		else
			local c
			c=$(child_spis hub)   # charon's "in out" = the agent's outbound, inbound
			[ "$(status_field outbound_spi) $(status_field inbound_spi)" = "$c" ]
		fi
	}
	io_wait 10 agent_follows || not_reached "mpsa-agent status does not show the SPIs charon lists after the rekey$(gone)"
	io_mark agent_follows
	# the IKE SA still works: a liveness check from the agent, answered
	lines_before=$(wc -l <"$SW_WORKDIR/agent.log")
	io_result agent_log_lines_before_liveness "$lines_before"
	"$IO_AGENT_BIN" check-liveness --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/agent-check-liveness.txt" 2>&1
	io_result check_liveness_rc "$?"
	answered() { tail -n +"$((lines_before + 1))" "$SW_WORKDIR/agent.log" | grep -q 'mpsa-agent\[207\]'; }
	io_wait 10 answered || not_reached "the agent's liveness check after the rekey was not answered$(gone)"
	ok
	;;
charon-to-controller-rekey-* | charon-to-controller-reauth)
	io_preflight no yes
	io_start_lab
	# The next group SA is pushed 16 s after the first one was made (at the controller's start): about 4 s after
	# charon's rekey (REKEY = 10 s after it connected, ~2 s after the start), 6 s before charon's second one.
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
	sw_load_config cpe "$(io_swanctl_conf initiator "$IO_ADDR_CPE" "$IO_ADDR_HUB" "$IO_ID_CPE" "$IO_ID_HUB" "$SUITE" "$ESP")" ||
		not_reached "swanctl --load-all failed (cpe)"
	io_mark initiate
	sw_initiate cpe mpsa mpsa "$TIMEOUT"
	io_result initiate_rc "$?"
	io_mark initiated
	first_acked() {
		io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null || return 1
		FIRST_ACKED=$(status_field last_acked_spi)
		[ -n "$FIRST_ACKED" ]
	}
	io_wait "$TIMEOUT" first_acked || not_reached "no acknowledged MPSA_PUT before the rekey$(gone)"
	io_result first_acked_spi "$FIRST_ACKED"
	io_wait 5 established_installed cpe || not_reached "charon cpe: no IKE SA ESTABLISHED with a CHILD_SA INSTALLED$(gone)"
	io_mark established
	before cpe
	io_wait $((REKEY + TIMEOUT)) rekeyed cpe || not_reached "$(why_not_rekeyed cpe)$(gone)"
	io_mark rekeyed
	# the next group SA reaches charon after the rekey and is acknowledged
	# controller events: 213 = IKE SA rekeyed, 215 = the CHILD_SA a rekey replaced is gone (charon deleted the old one)
	MARK='mpsa-controller\[213\]'
	[ "$KIND" = child ] && MARK='mpsa-controller\[215\]'
	[ "$KIND" = reauth ] && MARK='mpsa-controller\[217\]'   # the IKE SA the reauthentication replaced is gone
	next_acked() {
		awk -v mark="$MARK" -v first="SPI $FIRST_ACKED" '$0 ~ mark { seen = 1; next }
			seen && /mpsa-controller\[205\] member cpe1 acknowledged SPI / && index($0, first) == 0 { found = 1 }
			END { exit !found }' "$SW_WORKDIR/controller.log" 2>/dev/null
	}
	io_wait "$TIMEOUT" next_acked ||
		not_reached "no acknowledgement of the next group SA (controller event 205 for an SPI other than $FIRST_ACKED) after charon's rekey$(gone)"
	ok
	;;
esac
