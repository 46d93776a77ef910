#!/usr/bin/env bash
# run-interop.sh: one interop run between our daemons and strongSwan's charon, in two network
# namespaces it creates and removes (also on failure). The NUnit tests in
# tests/Mpsa.Tests/Interop call it; it also runs by hand (as root):
#
#   tests/interop/run-interop.sh agent-to-charon      SUITE EVIDENCE_DIR
#       mpsa-agent (--dry-run) initiates to a charon responder (PSK); done when charon lists the
#       IKE_SA ESTABLISHED and the CHILD_SA INSTALLED and the agent's status shows its CHILD_SA.
#   tests/interop/run-interop.sh charon-to-controller SUITE EVIDENCE_DIR
#       a charon initiator connects to mpsa-controller; done when the controller lists the
#       member with a last_acked_spi (charon answered the MPSA_PUT) and charon logged the
#       INFORMATIONAL response it generated.
#   tests/interop/run-interop.sh charon-to-controller-{childless,nat,child-refused} SUITE EVIDENCE_DIR
#       the same, and: charon initiates the IKE SA alone (swanctl --initiate --ike, RFC 6023); or
#       the CPE is behind a NAT (source ports 500 and 4500 rewritten in its namespace) and the
#       controller listens on its defaults (port 500 on every address, 4500 beside it); or charon
#       proposes ESP the controller does not take (the CHILD_SA is refused, the IKE SA stays).
#   tests/interop/run-interop.sh agent-to-charon-{childless,child-refused} SUITE EVIDENCE_DIR
#       the agent asks for no CHILD_SA (child_sa = no), or proposes ESP charon does not take;
#       done when charon lists the IKE_SA ESTABLISHED without a CHILD_SA and the agent's status
#       shows the IKE SA.
#   tests/interop/run-interop.sh agent-to-charon-encap SUITE EVIDENCE_DIR
#       as agent-to-charon, with encap = yes in the agent (faked NAT-D data, no NAT on the path).
#   tests/interop/run-interop.sh charon-to-charon     SUITE EVIDENCE_DIR
#       self check of the lab: charon initiator to charon responder, same configs.
#   tests/interop/run-interop.sh {agent-to-charon,charon-to-controller}-rekey-{ike,child} SUITE EVIDENCE_DIR
#       charon rekeys the IKE SA or the CHILD_SA and our daemon follows (run-interop-rekey.sh).
#   tests/interop/run-interop.sh {agent-to-charon,charon-to-controller}-mobike SUITE EVIDENCE_DIR
#       the CPE's address changes and its IKE SA moves with MOBIKE (run-interop-mobike.sh).
#
#   SUITE: an IKE proposal of the core in swanctl syntax (the ESP proposal beside it is fixed,
#   see IO_ESP in interop-lib.sh), e.g. chacha20poly1305-prfsha256-x25519.
#
# Environment: INTEROP_TIMEOUT (s, default 20) bounds each wait; INTEROP_NETNS_PREFIX names the
# namespaces (<prefix>-hub, <prefix>-cpe); INTEROP_PCAP=1 adds veth.pcap (needs tcpdump);
# MPSA_REPO, MPSA_AGENT, MPSA_CONTROLLER override where the binaries are;
# MPSA_AGENT_ARGS (default --dry-run), MPSA_CONTROLLER_ARGS (default empty) extra `run` args.
#
# Exit status: 0 outcome reached, 1 not reached (see EVIDENCE_DIR/result.txt: reason=...),
# 2 environment or usage problem (not root, packages or binaries missing).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=interop-lib.sh
. "$HERE/interop-lib.sh"

usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

[ $# -eq 3 ] || usage
# certificate authentication: agent-to-charon-cert, charon-to-controller-cert (see run-interop-certs.sh);
# rekeys charon starts: {agent-to-charon,charon-to-controller}-rekey-{ike,child} (see run-interop-rekey.sh)
case $1 in
*-cert) exec "$HERE/run-interop-certs.sh" "$@" ;;
*-rekey-ike | *-rekey-child | agent-rekeys-charon-* | agent-reauths-charon | charon-to-controller-reauth) exec "$HERE/run-interop-rekey.sh" "$@" ;;
*-mobike) exec "$HERE/run-interop-mobike.sh" "$@" ;;
esac
SCENARIO=$1 SUITE=$2 EVIDENCE=$3
# the variants of the two main scenarios (VARIANT: childless, nat, child-refused)
VARIANT=""
case $SCENARIO in
charon-to-controller-childless | charon-to-controller-nat | charon-to-controller-child-refused)
	VARIANT=${SCENARIO#charon-to-controller-} ;;
agent-to-charon-childless | agent-to-charon-child-refused | agent-to-charon-encap)
	VARIANT=${SCENARIO#agent-to-charon-} ;;
esac
ESP=${IO_ESP[$SUITE]:-}
[ -n "$ESP" ] || { io_log "unknown suite $SUITE (known: ${!IO_ESP[*]})"; exit 2; }
TIMEOUT=${INTEROP_TIMEOUT:-20}

io_init "$EVIDENCE" "$SCENARIO" "$SUITE"
[ -n "$VARIANT" ] && SCENARIO=${SCENARIO%-"$VARIANT"}
# child-refused: the initiator proposes ESP the responder does not take (IO_OTHER_ESP)
INITIATOR_ESP=$ESP
[ "$VARIANT" = child-refused ] && INITIATOR_ESP=$(io_other_esp "$ESP")
io_result esp "$ESP"
io_result addr_hub "$IO_ADDR_HUB"
io_result addr_cpe "$IO_ADDR_CPE"

# condition helpers for io_wait
charon_lists() { # NAME PATTERN
	sw_list_sas "$1" 2>/dev/null | grep -q "$2"
}
charon_established_installed() { # NAME
	local out
	out=$(sw_list_sas "$1" 2>/dev/null) || return 1
	grep -q ESTABLISHED <<<"$out" && grep -q INSTALLED <<<"$out"
}
daemon_status_has() { # KEY: status JSON holds "KEY": {...}
	io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null || return 1
	io_json_has_object "$SW_WORKDIR/status.json" "$1"
}
daemon_answers() {
	io_daemon_status >/dev/null 2>&1
}
controller_acked() { # the member has a last_acked_spi and charon generated an INFORMATIONAL response
	io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null || return 1
	tr -d '\n' <"$SW_WORKDIR/status.json" | grep -Eq '"last_acked_spi"[[:space:]]*:[[:space:]]*"[0-9a-fA-F]+' || return 1
	grep -q "generating INFORMATIONAL response" "$(sw_instance_dir cpe)/charon.log" 2>/dev/null
}
charon_child_settled() { # NAME: CHILD_SA INSTALLED, or charon logged that it gave up on it
	charon_established_installed "$1" ||
		grep -q "failed to establish CHILD_SA" "$(sw_instance_dir "$1")/charon.log" 2>/dev/null
}
charon_child_failure() { # NAME: charon's log lines saying why the CHILD_SA failed, on one line
	grep -E "IPsec SA: |failed to create SAD|unable to install|can't install|TS_UNACCEPT|NO_PROP|no acceptable|failed to establish CHILD_SA" \
		"$(sw_instance_dir "$1")/charon.log" 2>/dev/null | sed -E 's/^[^]]*\] (<[^>]*> )?//' | sort -u | paste -sd '|' | sed 's/|/; /g'
}
# why_not_established NAME: a reason for result.txt
why_not_established() {
	local out
	out=$(sw_list_sas "$1" 2>/dev/null)
	if grep -q ESTABLISHED <<<"$out"; then
		echo "charon $1: IKE_SA ESTABLISHED but no CHILD_SA INSTALLED"
	elif [ -n "$out" ]; then
		echo "charon $1: IKE_SA not ESTABLISHED ($(grep -o 'ike: [^,]*, [A-Z_]*' <<<"$out" | head -1))"
	else
		echo "charon $1: no IKE_SA"
	fi
}
daemon_alive() {
	[ -n "$IO_DAEMON_PID" ] && kill -0 "$IO_DAEMON_PID" 2>/dev/null
}
ok() {
	io_mark outcome
	io_snapshot
	io_result outcome ok
	io_result reason ""
	exit 0
}
not_reached() {
	io_mark outcome
	io_snapshot
	io_result outcome failed
	io_result reason "$*"
	io_log "$SCENARIO $SUITE: $*"
	exit 1
}

case $SCENARIO in
charon-to-charon)
	io_preflight no no
	io_start_lab
	io_charon_start hub "$IO_NS_HUB" || not_reached "charon hub did not start"
	io_charon_start cpe "$IO_NS_CPE" || not_reached "charon cpe did not start"
	sw_load_config hub "$(io_swanctl_conf responder "$IO_ADDR_HUB" "$IO_ADDR_CPE" "$IO_ID_HUB" "$IO_ID_CPE" "$SUITE" "$ESP")" ||
		not_reached "swanctl --load-all failed (hub)"
	sw_load_config cpe "$(io_swanctl_conf initiator "$IO_ADDR_CPE" "$IO_ADDR_HUB" "$IO_ID_CPE" "$IO_ID_HUB" "$SUITE" "$ESP")" ||
		not_reached "swanctl --load-all failed (cpe)"
	sw_initiate cpe mpsa mpsa "$TIMEOUT"
	io_result initiate_rc "$?"
	io_wait "$TIMEOUT" charon_established_installed hub || not_reached "$(why_not_established hub)"
	ok
	;;
agent-to-charon)
	io_preflight yes no
	io_start_lab
	io_charon_start hub "$IO_NS_HUB" || not_reached "charon hub did not start"
	sw_load_config hub "$(io_swanctl_conf responder "$IO_ADDR_HUB" "$IO_ADDR_CPE" "$IO_ID_HUB" "$IO_ID_CPE" "$SUITE" "$ESP")" ||
		not_reached "swanctl --load-all failed (hub)"
	IO_DAEMON_CONF=$SW_WORKDIR/agent.conf
	[ "$VARIANT" = childless ] && IO_AGENT_EXTRA="child_sa = no"
	[ "$VARIANT" = encap ] && IO_AGENT_EXTRA="encap = yes"
	io_agent_conf "$SUITE" "$INITIATOR_ESP" >"$IO_DAEMON_CONF"
	"$IO_AGENT_BIN" check-config --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/agent-check-config.txt" 2>&1
	io_result check_config_rc "$?"
	io_mark lab
	# shellcheck disable=SC2086
	io_daemon_start agent "$IO_NS_CPE" run --config "$IO_DAEMON_CONF" ${MPSA_AGENT_ARGS---dry-run} ||
		not_reached "mpsa-agent exited at start"
	if [ "$VARIANT" = childless ] || [ "$VARIANT" = child-refused ]; then
		# the IKE SA without a CHILD_SA, on both sides
		io_wait "$TIMEOUT" charon_lists hub ESTABLISHED ||
			not_reached "$(why_not_established hub)$(daemon_alive || echo "; mpsa-agent is no longer running")"
		io_wait 10 daemon_status_has ike_sa ||
			not_reached "charon has the IKE_SA ESTABLISHED, but mpsa-agent status --json shows no ike_sa"
		sleep 1   # whatever either side still says about the CHILD_SA or the IKE SA
		charon_lists hub ESTABLISHED || not_reached "charon hub: the IKE_SA went away: $(charon_child_failure hub)"
		charon_lists hub INSTALLED && not_reached "charon hub: a CHILD_SA was made ($VARIANT)"
		ok
	fi
	# done when charon has the CHILD_SA INSTALLED, or gave up on it (then the IKE SA is still checked)
	io_wait "$TIMEOUT" charon_child_settled hub ||
		not_reached "$(why_not_established hub)$(daemon_alive || echo "; mpsa-agent is no longer running")"
	io_mark charon_settled
	if ! charon_established_installed hub; then
		io_wait 5 daemon_status_has ike_sa
		not_reached "charon hub: CHILD_SA not installed: $(charon_child_failure hub)"
	fi
	io_wait 10 daemon_status_has child_sa ||
		not_reached "charon has the CHILD_SA INSTALLED, but mpsa-agent status --json shows no child_sa$(daemon_alive || echo "; mpsa-agent is no longer running")"
	ok
	;;
charon-to-controller)
	io_preflight no yes
	io_start_lab
	IO_DAEMON_CONF=$SW_WORKDIR/controller.conf
	# nat: the controller on its default listen (every address, port 500 and 4500 beside it)
	[ "$VARIANT" = nat ] && IO_CONTROLLER_LISTEN=""
	io_controller_conf "$SUITE" "$ESP" >"$IO_DAEMON_CONF"
	"$IO_CONTROLLER_BIN" check-config --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/controller-check-config.txt" 2>&1
	io_result check_config_rc "$?"
	io_mark lab
	# shellcheck disable=SC2086
	io_daemon_start controller "$IO_NS_HUB" run --config "$IO_DAEMON_CONF" ${MPSA_CONTROLLER_ARGS:-} ||
		not_reached "mpsa-controller exited at start"
	io_wait 10 daemon_answers || not_reached "mpsa-controller status --json does not answer$(daemon_alive || echo "; mpsa-controller is no longer running")"
	io_charon_start cpe "$IO_NS_CPE" || not_reached "charon cpe did not start"
	sw_load_config cpe "$(io_swanctl_conf initiator "$IO_ADDR_CPE" "$IO_ADDR_HUB" "$IO_ID_CPE" "$IO_ID_HUB" "$SUITE" "$INITIATOR_ESP")" ||
		not_reached "swanctl --load-all failed (cpe)"
	if [ "$VARIANT" = nat ]; then
		io_cpe_behind_nat || not_reached "could not set up the NAT in $IO_NS_CPE (iptables)"
	fi
	io_mark initiate
	if [ "$VARIANT" = childless ]; then
		sw_initiate_ike cpe mpsa "$TIMEOUT"
	else
		sw_initiate cpe mpsa mpsa "$TIMEOUT"
	fi
	io_result initiate_rc "$?"
	io_mark initiated
	[ -n "$VARIANT" ] && io_wait 5 charon_lists cpe ESTABLISHED
	charon_lists cpe ESTABLISHED || not_reached "$(why_not_established cpe)$(daemon_alive || echo "; mpsa-controller is no longer running")"
	io_wait "$TIMEOUT" controller_acked ||
		not_reached "IKE_SA ESTABLISHED, but no acknowledged MPSA_PUT (controller status without last_acked_spi, or no INFORMATIONAL response in charon's log)$(daemon_alive || echo "; mpsa-controller is no longer running")"
	case $VARIANT in
	childless | child-refused)
		charon_lists cpe INSTALLED && not_reached "charon cpe: a CHILD_SA was made ($VARIANT)" ;;
	esac
	ok
	;;
*)
	usage
	;;
esac
