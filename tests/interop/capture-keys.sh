#!/usr/bin/env bash
# capture-keys.sh: known-answer fixtures from strongSwan (charon initiator <-> charon responder).
#
# usage: tests/interop/capture-keys.sh [SUITE...]     (default: all suites below)
#        OUT_DIR=... to write elsewhere than tests/Mpsa.Tests/Fixtures/strongswan
#        SW_KEEP_WORKDIR=1 to keep the logs, configs and pcaps (path printed at the end)
#
# For each suite: two network namespaces joined by a veth, a charon in each (PSK, FQDN IDs,
# ike = 4 and chd = 4 so charon prints its derived secrets), tcpdump on the veth, one initiate,
# then tests/interop/swan-fixture.py turns logs + capture into
# tests/Mpsa.Tests/Fixtures/strongswan/<suite>.txt. Needs root; installs its Debian packages.
# Cleans up namespaces, processes and temp dirs on exit, also on failure.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT_DIR=${OUT_DIR:-$REPO/tests/Mpsa.Tests/Fixtures/strongswan}

PACKAGES=(strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	libstrongswan-extra-plugins libcharon-extra-plugins iproute2 util-linux tcpdump python3)

# suite name = IKE proposal (swanctl keywords); ESP proposal beside it
declare -A ESP=(
	[aes128-sha256-prfsha256-x25519]=aes128-sha256
	[aes256-sha1-prfsha1-modp2048]=aes256-sha1
	[aes128gcm16-prfsha256-ecp256]=aes128gcm16
	[aes256gcm16-prfsha384-x25519]=aes256gcm16
	[chacha20poly1305-prfsha256-x25519]=chacha20poly1305
	[aes256-sha256-prfsha512-ecp256]=aes256-sha256
)
ALL_SUITES=(aes128-sha256-prfsha256-x25519 aes256-sha1-prfsha1-modp2048
	aes128gcm16-prfsha256-ecp256 aes256gcm16-prfsha384-x25519
	chacha20poly1305-prfsha256-x25519 aes256-sha256-prfsha512-ecp256)

PSK="mpsa-test-psk-0123456789"
ID_I=cpe1.example.net
ID_R=controller.example.net
# IKE endpoints on the veth; inner subnets for the CHILD_SA (kernel-libipsec routes them
# through its TUN device, so they must not contain the IKE endpoints)
IP_I=10.200.0.1 IP_R=10.200.0.2
NET_I=10.201.1.0/24 NET_R=10.201.2.0/24
INNER_I=10.201.1.1/32 INNER_R=10.201.2.1/32
# ike = 4 and chd = 4 print the secrets (keymat_v2.c, DBG4); the rest stays quiet
LOGLEVELS="default = 1, ike = 4, chd = 4, cfg = 2, net = 2, enc = 1, knl = 1, lib = 1"

if [ $# -gt 0 ]; then SUITES=("$@"); else SUITES=("${ALL_SUITES[@]}"); fi
for s in "${SUITES[@]}"; do
	[ -n "${ESP[$s]:-}" ] || { echo "capture-keys: unknown suite $s (known: ${ALL_SUITES[*]})" >&2; exit 2; }
done

"$REPO/tests/install-deps.sh" "${PACKAGES[@]}"
VERSION=$(dpkg-query -W -f='${Version}' strongswan-charon | sed 's/-.*//')

# shellcheck source=strongswan-lib.sh
. "$HERE/strongswan-lib.sh"
sw_init
NS_I=mpsa-swcap-$$-i
NS_R=mpsa-swcap-$$-r
sw_netns_pair_create "$NS_I" "$NS_R" veth-i veth-r "$IP_I" "$IP_R" fd00:200::1 fd00:200::2
sw_netns_addr_add "$NS_I" "$INNER_I"
sw_netns_addr_add "$NS_R" "$INNER_R"
mkdir -p "$OUT_DIR"

# swanctl_conf LOCAL_ADDR REMOTE_ADDR LOCAL_ID REMOTE_ID LOCAL_TS REMOTE_TS IKE_PROPOSAL ESP_PROPOSAL
swanctl_conf() {
	cat <<EOF
connections {
	capture {
		version = 2
		local_addrs = $1
		remote_addrs = $2
		proposals = $7
		mobike = no
		local {
			auth = psk
			id = $3
		}
		remote {
			auth = psk
			id = $4
		}
		children {
			capture {
				esp_proposals = $8
				local_ts = $5
				remote_ts = $6
				start_action = none
			}
		}
	}
}
secrets {
	ike-capture {
		id-i = $ID_I
		id-r = $ID_R
		secret = "$PSK"
	}
}
EOF
}

capture_suite() {
	local suite=$1 esp=${ESP[$1]} ini=ini-$1 res=res-$1
	local pcap="$SW_WORKDIR/$suite.pcap"
	sw_instance_write_conf "$ini" "$LOGLEVELS"
	sw_instance_write_conf "$res" "$LOGLEVELS"
	sw_capture_start "$NS_I" veth-i "$pcap"
	local cap=$SW_CAPTURE_PID
	sw_instance_start "$res" "$NS_R"
	sw_instance_start "$ini" "$NS_I"
	sw_load_config "$res" "$(swanctl_conf "$IP_R" "$IP_I" "$ID_R" "$ID_I" "$NET_R" "$NET_I" "$suite" "$esp")"
	sw_load_config "$ini" "$(swanctl_conf "$IP_I" "$IP_R" "$ID_I" "$ID_R" "$NET_I" "$NET_R" "$suite" "$esp")"
	if ! sw_initiate "$ini" capture capture 15; then
		echo "capture-keys: $suite: initiate failed:" >&2
		tail -20 "$(sw_instance_dir "$ini")/initiate.out" >&2
		return 1
	fi
	sw_list_sas "$ini" >"$SW_WORKDIR/$suite.sas"
	grep -q INSTALLED "$SW_WORKDIR/$suite.sas" || { echo "capture-keys: $suite: no CHILD_SA" >&2; return 1; }
	sw_instance_stop "$ini"
	sw_instance_stop "$res"
	sw_capture_stop "$cap"
	python3 "$HERE/swan-fixture.py" --suite "$suite" --ike-proposal "$suite" --esp-proposal "$esp" \
		--psk "$PSK" --id-i "$ID_I" --id-r "$ID_R" --version "$VERSION" \
		--initiator-log "$(sw_instance_dir "$ini")/charon.log" \
		--responder-log "$(sw_instance_dir "$res")/charon.log" \
		--pcap "$pcap" --out "$OUT_DIR/$suite.txt"
	echo "capture-keys: $suite -> ${OUT_DIR#"$REPO"/}/$suite.txt"
}

start=$(date +%s)
for s in "${SUITES[@]}"; do
	capture_suite "$s"
done
echo "capture-keys: ${#SUITES[@]} suite(s) in $(($(date +%s) - start)) s"
