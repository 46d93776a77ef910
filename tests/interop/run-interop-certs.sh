#!/usr/bin/env bash
# run-interop-certs.sh: certificate authentication (RFC 7427 signatures, X.509) between our daemons and charon,
# with a PKI the run makes with openssl (certs-lib.sh). run-interop.sh hands its *-cert scenarios to this script:
#
#   tests/interop/run-interop.sh agent-to-charon-cert      CASE EVIDENCE_DIR
#       mpsa-agent (certificate, --dry-run) initiates to a charon responder (pubkey); done as agent-to-charon.
#   tests/interop/run-interop.sh charon-to-controller-cert CASE EVIDENCE_DIR
#       a charon initiator (pubkey) connects to mpsa-controller (a member without PSK): positive CASEs are done
#       as charon-to-controller; negative CASEs are done (outcome=rejected) when charon logs the AUTHENTICATION_FAILED
#       notify and the controller logs the refusal, whose line goes to result.txt as refused_line.
#
#   mpsa-agent refuses a bad charon certificate (negative CASEs of agent-to-charon-cert: outcome=rejected) with
#   N(AUTHENTICATION_FAILED) in an INFORMATIONAL and a log line (result.txt: refused_line).
#
#   CASE: rsa | ecdsa (P-256 CPE, P-384 hub) | rsa-pss (both sides sign with RSASSA-PSS)
#         expired | wrong-ca | revoked | id-mismatch   (the certificate of charon's side is bad)
# The IKE suite is chacha20poly1305-prfsha256-x25519 with ESP chacha20poly1305. Exit status as run-interop.sh.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=interop-lib.sh
. "$HERE/interop-lib.sh"
# shellcheck source=certs-lib.sh
. "$HERE/certs-lib.sh"

[ $# -eq 3 ] || { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
SCENARIO=$1 CASE=$2 EVIDENCE=$3
SUITE=chacha20poly1305-prfsha256-x25519 ESP=chacha20poly1305
TIMEOUT=${INTEROP_TIMEOUT:-20}
case $CASE in
rsa | ecdsa | rsa-pss) NEGATIVE=no ;;
expired | wrong-ca | revoked | id-mismatch) NEGATIVE=yes ;;
*) io_log "unknown case $CASE"; exit 2 ;;
esac
command -v openssl >/dev/null || { io_log "no openssl on PATH (apt-get install openssl)"; exit 2; }

io_init "$EVIDENCE" "$SCENARIO" "$CASE"

ok() {
	io_mark outcome
	io_snapshot
	io_result outcome "${1:-ok}"
	io_result reason ""
	exit 0
}
not_reached() {
	io_mark outcome
	io_snapshot
	io_result outcome failed
	io_result reason "$*"
	io_log "$SCENARIO $CASE: $*"
	exit 1
}
daemon_alive() { [ -n "$IO_DAEMON_PID" ] && kill -0 "$IO_DAEMON_PID" 2>/dev/null; }
daemon_answers() { io_daemon_status >/dev/null 2>&1; }
status_has() { # KEY
	io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null && io_json_has_object "$SW_WORKDIR/status.json" "$1"
}
charon_log_has() { grep -q "$2" "$(sw_instance_dir "$1")/charon.log" 2>/dev/null; }
controller_acked() {
	io_daemon_status >"$SW_WORKDIR/status.json" 2>/dev/null || return 1
	tr -d '\n' <"$SW_WORKDIR/status.json" | grep -Eq '"last_acked_spi"[[:space:]]*:[[:space:]]*"[0-9a-fA-F]+' &&
		charon_log_has cpe "generating INFORMATIONAL response"
}
charon_established() { sw_list_sas "$1" 2>/dev/null | grep -q ESTABLISHED; }
refused_logged() { grep -q "refused: " "$SW_WORKDIR/controller.log" 2>/dev/null; }
agent_refused() { grep -q "AuthenticationFailed: responder" "$SW_WORKDIR/agent.log" 2>/dev/null; }

# make_pki DIR BAD: ca/ (trusted by both sides), hub and cpe certificates; the one named BAD (charon's) as CASE wants it
make_pki() {
	local pki=$1 bad=$2 type=rsa hubtype=rsa subject="/C=CH/O=mpsa interop/CN=mpsa interop CA"
	[ "$CASE" = ecdsa ] && type=ecdsa hubtype=ecdsa384
	ct_ca "$pki/ca" "$type" "$subject" || return 1
	local good=cpe id=$IO_ID_HUB
	[ "$bad" = cpe ] && good=hub id=$IO_ID_CPE
	if [ "$good" = hub ]; then ct_issue "$pki/ca" hub "$IO_ID_HUB" "$hubtype"; else ct_issue "$pki/ca" cpe "$IO_ID_CPE" "$type"; fi || return 1
	case $CASE in
	expired) ct_issue "$pki/ca" "$bad" "$id" rsa 20200101000000Z 20200201000000Z ;;
	wrong-ca)
		ct_ca "$pki/other" rsa "/C=CH/O=elsewhere/CN=other CA" && ct_issue "$pki/other" "$bad" "$id" rsa &&
			cp "$pki/other/$bad.crt" "$pki/other/$bad.key" "$pki/ca/"
		;;
	revoked) ct_issue "$pki/ca" "$bad" "$id" rsa && ct_revoke "$pki/ca" "$bad" && ct_crl "$pki/ca" ;;
	id-mismatch) ct_issue "$pki/ca" "$bad" "$([ "$bad" = cpe ] && echo cpe9.example.net || echo controller9.example.net)" rsa ;;
	*) if [ "$bad" = hub ]; then ct_issue "$pki/ca" hub "$IO_ID_HUB" "$hubtype"; else ct_issue "$pki/ca" cpe "$IO_ID_CPE" "$type"; fi ;;
	esac
	[ -f "$pki/ca/ca.crl" ] || ct_crl "$pki/ca"
}

# charon with rsa_pss = yes for the rsa-pss case (it then signs RSA with PSS, RFC 7427)
charon_start() { # NAME NETNS
	local extra=$IO_CHARON_EXTRA
	[ "$CASE" = rsa-pss ] && extra+=$'\n\trsa_pss = yes'
	sw_instance_write_conf "$1" "$IO_LOGLEVELS" "" "$extra"
	sw_instance_start "$1" "$2" || return 1
	echo "$(cat "$(sw_instance_dir "$1")/pid") $SW_CHARON" >>"$IO_EVIDENCE/pids"
}

# our daemon's config: the PSK config with the psk line replaced by certificate keys
daemon_conf() { # agent|controller
	local pss=no keys
	[ "$CASE" = rsa-pss ] && pss=yes
	if [ "$1" = agent ]; then
		keys=$(ct_auth_keys "$PKI/ca" cpe "$PKI/ca/ca.crl" "$pss")
		io_agent_conf "$SUITE" "$ESP" | awk -v k="$keys" '/^psk = / { print k; next } { print }'
	else
		keys=$(ct_auth_keys "$PKI/ca" hub "$PKI/ca/ca.crl" "$pss")
		io_controller_conf "$SUITE" "$ESP" | sed '/^psk = /d' | awk -v k="$keys" '{ print } /^log_level/ { print k }'
	fi
}

io_preflight "$([ "$SCENARIO" = agent-to-charon-cert ] && echo yes || echo no)" "$([ "$SCENARIO" = charon-to-controller-cert ] && echo yes || echo no)"
io_start_lab
PKI=$SW_WORKDIR/pki
make_pki "$PKI" "$([ "$SCENARIO" = agent-to-charon-cert ] && echo hub || echo cpe)" || not_reached "openssl could not make the PKI: $(tail -3 "$PKI"/*/openssl.log 2>/dev/null | tr '\n' ' ')"
cp "$PKI/ca/ca.crt" "$IO_EVIDENCE/ca.crt"
cp "$PKI/ca/cpe.crt" "$IO_EVIDENCE/cpe.crt"
cp "$PKI/ca/hub.crt" "$IO_EVIDENCE/hub.crt"

case $SCENARIO in
agent-to-charon-cert)
	charon_start hub "$IO_NS_HUB" || not_reached "charon hub did not start"
	ct_charon_creds hub "$PKI/ca/hub.crt" "$PKI/ca/hub.key" "$PKI/ca/ca.crt"
	sw_load_config hub "$(ct_swanctl_conf responder "$IO_ADDR_HUB" "$IO_ADDR_CPE" "$IO_ID_HUB" "$IO_ID_CPE" "$SUITE" "$ESP" hub.crt)" ||
		not_reached "swanctl --load-all failed (hub)"
	IO_DAEMON_CONF=$SW_WORKDIR/agent.conf
	daemon_conf agent >"$IO_DAEMON_CONF"
	"$IO_AGENT_BIN" check-config --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/agent-check-config.txt" 2>&1
	io_result check_config_rc "$?"
	io_mark lab
	# shellcheck disable=SC2086
	io_daemon_start agent "$IO_NS_CPE" run --config "$IO_DAEMON_CONF" ${MPSA_AGENT_ARGS---dry-run} ||
		not_reached "mpsa-agent exited at start"
	if [ "$NEGATIVE" = yes ]; then
		io_wait "$TIMEOUT" agent_refused || not_reached "mpsa-agent logged no refusal of charon's certificate$(daemon_alive || echo "; mpsa-agent is no longer running")"
		io_result refused_line "$(grep -m1 "AuthenticationFailed: responder" "$SW_WORKDIR/agent.log")"
		io_wait 5 charon_log_has hub "request 2 \\[ N(AUTH_FAILED) \\]" || not_reached "charon logged no INFORMATIONAL request with N(AUTH_FAILED)"
		io_result charon_line "$(grep -m1 "N(AUTH_FAILED)" "$(sw_instance_dir hub)/charon.log" | sed -E 's/^[^]]*\] //')"
		ok rejected
	fi
	io_wait "$TIMEOUT" status_has ike_sa ||
		not_reached "mpsa-agent status --json shows no ike_sa$(daemon_alive || echo "; mpsa-agent is no longer running")"
	io_wait 10 charon_established hub || not_reached "charon hub lists no ESTABLISHED IKE_SA"
	ok
	;;
charon-to-controller-cert)
	IO_DAEMON_CONF=$SW_WORKDIR/controller.conf
	daemon_conf controller >"$IO_DAEMON_CONF"
	"$IO_CONTROLLER_BIN" check-config --config "$IO_DAEMON_CONF" >"$IO_EVIDENCE/controller-check-config.txt" 2>&1
	io_result check_config_rc "$?"
	io_mark lab
	# shellcheck disable=SC2086
	io_daemon_start controller "$IO_NS_HUB" run --config "$IO_DAEMON_CONF" ${MPSA_CONTROLLER_ARGS:-} ||
		not_reached "mpsa-controller exited at start"
	io_wait 10 daemon_answers || not_reached "mpsa-controller status --json does not answer"
	charon_start cpe "$IO_NS_CPE" || not_reached "charon cpe did not start"
	ct_charon_creds cpe "$PKI/ca/cpe.crt" "$PKI/ca/cpe.key" "$PKI/ca/ca.crt"
	sw_load_config cpe "$(ct_swanctl_conf initiator "$IO_ADDR_CPE" "$IO_ADDR_HUB" "$IO_ID_CPE" "$IO_ID_HUB" "$SUITE" "$ESP" cpe.crt)" ||
		not_reached "swanctl --load-all failed (cpe)"
	io_mark initiate
	sw_initiate cpe mpsa mpsa "$TIMEOUT"
	io_result initiate_rc "$?"
	if [ "$NEGATIVE" = yes ]; then
		io_wait 5 refused_logged || not_reached "mpsa-controller logged no refusal$(daemon_alive || echo "; mpsa-controller is no longer running")"
		io_result refused_line "$(grep -m1 "refused: " "$SW_WORKDIR/controller.log")"
		charon_log_has cpe "received AUTHENTICATION_FAILED notify error" ||
			not_reached "charon did not log 'received AUTHENTICATION_FAILED notify error'"
		ok rejected
	fi
	io_wait "$TIMEOUT" controller_acked ||
		not_reached "no acknowledged MPSA_PUT (controller status without last_acked_spi)$(daemon_alive || echo "; mpsa-controller is no longer running")"
	ok
	;;
*)
	exit 2
	;;
esac
