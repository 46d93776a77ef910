# shellcheck shell=bash
# certs-lib.sh: a small PKI made with the openssl CLI for the certificate interop runs (source it after
# interop-lib.sh). One CA per directory, run by `openssl ca` (index.txt, serials, CRL).
#
#   ct_ca DIR KEYTYPE SUBJECT       CA in DIR: DIR/ca.crt, DIR/ca.key
#   ct_issue DIR FILE SAN KEYTYPE [START END]   end-entity cert DIR/FILE.crt + DIR/FILE.key (mode 0600),
#                                   subject C=CH, O=mpsa interop, CN=SAN, subjectAltName DNS:SAN,
#                                   keyUsage digitalSignature; START/END as YYYYMMDDHHMMSSZ
#   ct_revoke DIR FILE; ct_crl DIR  revoke, then write DIR/ca.crl (PEM)
#
# KEYTYPE: rsa (2048), ecdsa (P-256), ecdsa384 (P-384).

ct_newkey() { # KEYTYPE OUT
	case $1 in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null ;;
	ecdsa) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null ;;
	ecdsa384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" 2>/dev/null ;;
	*) return 1 ;;
	esac
	chmod 600 "$2"
}

ct_ca() {
	local dir=$1
	mkdir -p "$dir/newcerts"
	: >"$dir/index.txt"
	echo 1000 >"$dir/serial"
	echo 1000 >"$dir/crlnumber"
	cat >"$dir/ca.cnf" <<EOF
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = $dir
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = DNS:\${ENV::CT_SAN}
[ req ]
distinguished_name = dn
[ dn ]
EOF
	ct_newkey "$2" "$dir/ca.key" || return 1
	CT_SAN=unused openssl req -x509 -new -key "$dir/ca.key" -subj "$3" -days 60 -sha256 -config "$dir/ca.cnf" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.crt" 2>>"$dir/openssl.log"
}

ct_issue() {
	local dir=$1 file=$2 san=$3 type=$4 start=${5:-} end=${6:-}
	ct_newkey "$type" "$dir/$file.key" || return 1
	CT_SAN=$san openssl req -new -key "$dir/$file.key" -subj "/C=CH/O=mpsa interop/CN=$san" -config "$dir/ca.cnf" \
		-out "$dir/$file.csr" 2>>"$dir/openssl.log" || return 1
	local dates=()
	[ -n "$start" ] && dates=(-startdate "$start" -enddate "$end")
	CT_SAN=$san openssl ca -batch -config "$dir/ca.cnf" -extensions leaf -notext "${dates[@]}" \
		-in "$dir/$file.csr" -out "$dir/$file.crt" 2>>"$dir/openssl.log"
}

ct_revoke() {
	CT_SAN=unused openssl ca -config "$1/ca.cnf" -revoke "$1/$2.crt" 2>>"$1/openssl.log"
}

ct_crl() {
	CT_SAN=unused openssl ca -config "$1/ca.cnf" -gencrl -out "$1/ca.crl" 2>>"$1/openssl.log"
}

# ct_swanctl_conf ROLE LOCAL REMOTE LOCAL_ID REMOTE_ID IKE ESP CERT: io_swanctl_conf with auth = pubkey and CERT
#   (a file in the instance's x509/ folder; its key in private/, the CA in x509ca/); no secrets section
ct_swanctl_conf() {
	io_swanctl_conf "${@:1:7}" | sed -e '/^secrets {/,$d' \
		-e "0,/auth = psk/s//auth = pubkey\n\t\t\tcerts = $8/" -e 's/auth = psk/auth = pubkey/'
}

# ct_charon_creds NAME CERT KEY CA...: copies credentials into charon instance NAME's swanctl folders
ct_charon_creds() {
	local dir
	dir=$(sw_instance_dir "$1")
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/private"
	cp "$2" "$dir/x509/"
	cp "$3" "$dir/private/"
	chmod 600 "$dir/private/"*
	shift 3
	cp "$@" "$dir/x509ca/"
}

# ct_auth_keys PKI FILE [CRL] [PSS]: the certificate keys of our daemons' configs (in place of psk)
ct_auth_keys() {
	echo "certificate = $1/$2.crt"
	echo "private_key = $1/$2.key"
	echo "ca = $1/ca.crt"
	[ -n "${3:-}" ] && echo "crl = $3"
	[ "${4:-}" = yes ] && echo "rsa_pss = yes"
	return 0
}
