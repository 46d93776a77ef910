# shellcheck shell=bash
# charon-bench.sh: the strongSwan side of `make bench` (source it after tests/interop/strongswan-lib.sh and sw_init).
#
# cb_responder_start NAME NETNS ADDR SUITE PSK
#   A charon responder for the handshake benchmark: kernel-libipsec (the kernel here has no ESP, so the CHILD_SA is
#   installed in userspace, see docs/ARCHITECTURE.md §8), flood limits raised so that one address may open thousands of
#   half-open SAs (cookie_threshold, cookie_threshold_ip, block_threshold), a hashed IKE_SA table, and log level 0
#   (one line per established SA, like the controller's info level). CB_EXTRA_PLUGINS: more plugins to load (`ml` for
#   strongSwan 6's ML-KEM).
cb_responder_start() {
	local name=$1 ns=$2 addr=$3 suite=$4 psk=$5
	# flush_line = no: the library flushes every log line, which a benchmark need not pay
	sw_instance_write_conf "$name" "default = 0, flush_line = no" \
		"random nonce openssl aes sha1 sha2 hmac kdf gcm chapoly curve25519 ${CB_EXTRA_PLUGINS:-}gmp pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici" \
		"cookie_threshold = 1000000
	cookie_threshold_ip = 1000000
	block_threshold = 1000000
	init_limit_half_open = 0
	ikesa_table_size = 4096
	ikesa_table_segments = 16" || return 1
	sw_instance_start "$name" "$ns" || return 1
	sw_load_config "$name" "connections {
	bench {
		version = 2
		local_addrs = $addr
		proposals = $suite
		unique = never
		mobike = no
		local {
			auth = psk
			id = controller.bench
		}
		remote {
			auth = psk
			id = %any
		}
		children {
			bench {
				esp_proposals = aes256-sha256
				mode = tunnel
			}
		}
	}
}
secrets {
	ike-bench {
		secret = \"$psk\"
	}
}"
}

# cb_initiator_start NAME NETNS LOCAL REMOTE ID PSK
#   A minimal charon initiator (only the plugins the default suite chacha20poly1305-prfsha256-x25519 with PSK needs,
#   plus the kernel interface, the socket and vici to drive it), connected to REMOTE: the footprint comparison for
#   the agent. Its CHILD_SA fails (no ESP in this kernel, no kernel-libipsec in a minimal set); the IKE_SA stays up
#   and answers the controller's INFORMATIONAL requests (MPSA_PUT is an unknown status Notify to it).
cb_initiator_start() {
	local name=$1 ns=$2 local_addr=$3 remote=$4 id=$5 psk=$6
	sw_instance_write_conf "$name" "default = 1" "random nonce sha1 sha2 hmac kdf chapoly curve25519 kernel-netlink socket-default vici" || return 1
	sw_instance_start "$name" "$ns" || return 1
	sw_load_config "$name" "$(cb_psk_connection cpe "$local_addr" "$remote" "$id" "$psk" \
		"esp_proposals = chacha20poly1305, aes256-sha256"$'\n\t\t\t\t'"mode = transport")" || return 1
	sw_swanctl "$name" --initiate --ike cpe --child cpe --timeout 10 >"$(sw_instance_dir "$name")/initiate.out" 2>&1 || true
}

# cb_psk_connection NAME LOCAL REMOTE ID PSK CHILD_SETTINGS
#   Prints the swanctl.conf of one PSK connection NAME with one child NAME (CHILD_SETTINGS, one setting a line):
#   the default suite chacha20poly1305-prfsha256-x25519, no MOBIKE, no DPD, no IKE SA rekey; the secret is PSK for any
#   identity.
cb_psk_connection() {
	cat <<EOF
connections {
	$1 {
		version = 2
		local_addrs = $2
		remote_addrs = $3
		proposals = chacha20poly1305-prfsha256-x25519
		mobike = no
		dpd_delay = 0
		rekey_time = 0
		local {
			auth = psk
			id = $4
		}
		remote {
			auth = psk
		}
		children {
			$1 {
				$6
			}
		}
	}
}
secrets {
	ike-$1 {
		secret = "$5"
	}
}
EOF
}

# cb_child_rekey_pair_start HUB_NAME CPE_NAME NS_HUB NS_CPE HUB_ADDR CPE_ADDR PSK REKEY_S
#   Two charons rekeying a CHILD_SA every REKEY_S seconds: the footprint's measure of what a CHILD_SA rekey costs the
#   CPE side. The hub starts every rekey (CREATE_CHILD_SA, then the DELETE of the old SA: RFC 7296 §1.3.3), as the
#   controller starts every group-SA rekey; the CPE is the minimal charon of cb_initiator_start plus what installing
#   an ESP SA takes here (kernel-libipsec, userspace ESP, as the agent's --dry-run installs nothing in the kernel; aes
#   for the aes256-sha256 ESP SA). Inner addresses 10.94.1.1 (hub) and 10.94.2.1 (CPE) on lo are the traffic
#   selectors, so libipsec's routes never catch the IKE packets.
cb_child_rekey_pair_start() {
	local hub_name=$1 cpe_name=$2 ns_hub=$3 ns_cpe=$4 hub=$5 cpe=$6 psk=$7 rekey=$8 role
	local plugins="random nonce sha1 sha2 hmac kdf aes chapoly curve25519 kernel-libipsec kernel-netlink socket-default vici"
	sw_netns_addr_add "$ns_hub" 10.94.1.1/32 || return 1
	sw_netns_addr_add "$ns_cpe" 10.94.2.1/32 || return 1
	sw_instance_write_conf "$hub_name" "default = 0" "$plugins" || return 1
	sw_instance_write_conf "$cpe_name" "default = 1" "$plugins" || return 1
	sw_instance_start "$hub_name" "$ns_hub" || return 1
	sw_instance_start "$cpe_name" "$ns_cpe" || return 1
	for role in hub cpe; do
		local name=$hub_name local_addr=$hub remote=$cpe ts_local=10.94.1.1/32 ts_remote=10.94.2.1/32
		local times="rekey_time = ${rekey}s"$'\n\t\t\t\t'"life_time = $((rekey + 60))s"$'\n\t\t\t\t'"rand_time = 0"
		if [ $role = cpe ]; then
			name=$cpe_name local_addr=$cpe remote=$hub ts_local=10.94.2.1/32 ts_remote=10.94.1.1/32 times="rekey_time = 0"
		fi
		sw_load_config "$name" "$(cb_psk_connection rekey "$local_addr" "$remote" "$role.rekey.bench" "$psk" \
			"esp_proposals = aes256-sha256"$'\n\t\t\t\t'"mode = tunnel"$'\n\t\t\t\t'"local_ts = $ts_local"$'\n\t\t\t\t'"remote_ts = $ts_remote"$'\n\t\t\t\t'"$times")" || return 1
	done
	sw_initiate "$cpe_name" rekey rekey 10
}
