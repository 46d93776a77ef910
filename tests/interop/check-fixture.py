#!/usr/bin/env python3
"""Independent check of strongSwan fixtures (tests/Mpsa.Tests/Fixtures/strongswan/*.txt).

usage: tests/interop/check-fixture.py FIXTURE...

For each file, recomputes from the recorded inputs with RFC 7296 formulas:
  SKEYSEED = prf(Ni | Nr, g^ir)
  SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
  CHILD_SA KEYMAT = prf+(SK_d, Ni | Nr)  (encr_i | integ_i | encr_r | integ_r)
and checks that the IKE_SA_INIT messages carry the recorded SPIs, nonces and KE data. With the
python3 `cryptography` package (Debian: python3-cryptography) it also decrypts both IKE_AUTH
messages with SK_ei/SK_er (checking the ICV or the integrity checksum with SK_ai/SK_ar) and
verifies both AUTH payloads against the PSK (AUTH = prf(prf(PSK, "Key Pad for IKEv2"),
<signed octets>)). g^ir itself cannot be checked: the private DH values are not known.
Prints one line per file and exits non-zero if any check fails.
"""
import hashlib
import hmac
import struct
import sys

HASH = {"PRF_HMAC_SHA1": hashlib.sha1, "PRF_HMAC_SHA2_256": hashlib.sha256,
        "PRF_HMAC_SHA2_384": hashlib.sha384, "PRF_HMAC_SHA2_512": hashlib.sha512}
# integrity: (hash, key bytes, ICV bytes)
INTEG = {"AUTH_HMAC_SHA1_96": (hashlib.sha1, 20, 12), "AUTH_HMAC_SHA2_256_128": (hashlib.sha256, 32, 16),
         "AUTH_HMAC_SHA2_384_192": (hashlib.sha384, 48, 24), "AUTH_HMAC_SHA2_512_256": (hashlib.sha512, 64, 32)}
AEAD = {"ENCR_AES_GCM_16", "ENCR_CHACHA20_POLY1305"}
ESP_INTEG = {"sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64}


def load(path):
    d = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        k, _, v = line.partition("=")
        d[k.strip()] = v.strip()
    return d


def prf(alg, key, data):
    return hmac.new(key, data, HASH[alg]).digest()


def prf_plus(alg, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(alg, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


class Fail(Exception):
    pass


def expect(what, got, want):
    if got != want:
        raise Fail(f"{what}: got {got.hex() if isinstance(got, bytes) else got}, "
                   f"want {want.hex() if isinstance(want, bytes) else want}")


def payload_chain(data, nxt):
    out, off = [], 0
    while nxt != 0:
        n2, _, plen = struct.unpack(">BBH", data[off:off + 4])
        out.append((nxt, data[off + 4: off + plen]))
        nxt, off = n2, off + plen
    return out


def decrypt_sk(f, msg, sk_e, sk_a):
    """Decrypts the SK payload of msg; returns the inner payload chain."""
    nxt_first = msg[16]
    if nxt_first != 46:
        raise Fail("IKE_AUTH does not start with SK")
    sk_next, _, sk_len = struct.unpack(">BBH", msg[28:32])
    body = msg[32:28 + sk_len]
    encr = f["encr"]
    if encr in AEAD:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
        key, salt, iv, ct = sk_e[:-4], sk_e[-4:], body[:8], body[8:]
        cls = AESGCM if encr == "ENCR_AES_GCM_16" else ChaCha20Poly1305
        pt = cls(key).decrypt(salt + iv, ct, msg[:32])  # raises InvalidTag on a wrong key
    else:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        h, _, icv_len = INTEG[f["integ"]]
        icv = msg[-icv_len:]
        expect("integrity checksum", hmac.new(sk_a, msg[:-icv_len], h).digest()[:icv_len], icv)
        iv, ct = body[:16], body[16:-icv_len]
        dec = Cipher(algorithms.AES(sk_e), modes.CBC(iv)).decryptor()
        pt = dec.update(ct) + dec.finalize()
    pad = pt[-1]
    return payload_chain(pt[:-(pad + 1)], sk_next)


def check(path):
    f = load(path)
    alg = f["prf"]
    b = {k: bytes.fromhex(v) for k, v in f.items()
         if k not in ("ike_proposal", "esp_proposal", "encr", "encr_key_bits", "integ", "prf", "dh",
                      "id_i", "id_r")}
    ni, nr, spi_i, spi_r = b["ni"], b["nr"], b["spi_i"], b["spi_r"]

    # messages vs recorded fields
    req, resp = b["msg_ike_sa_init_request"], b["msg_ike_sa_init_response"]
    expect("SPIi in IKE_SA_INIT", req[:8], spi_i)
    expect("SPIr in IKE_SA_INIT response", resp[8:16], spi_r)
    for name, msg, nonce, ke in (("request", req, ni, b["ke_i"]), ("response", resp, nr, b["ke_r"])):
        pl = dict(payload_chain(msg[28:], msg[16]))
        expect(f"Nonce in IKE_SA_INIT {name}", pl[40], nonce)
        expect(f"KE in IKE_SA_INIT {name}", pl[34][4:], ke)

    # key schedule
    skeyseed = prf(alg, ni + nr, b["g_ir"])
    expect("SKEYSEED", skeyseed, b["skeyseed"])
    prf_len = HASH[alg]().digest_size
    aead = f["encr"] in AEAD
    ekey = int(f["encr_key_bits"]) // 8 + (4 if aead else 0)
    akey = 0 if aead else INTEG[f["integ"]][1]
    sizes = [("sk_d", prf_len), ("sk_ai", akey), ("sk_ar", akey), ("sk_ei", ekey), ("sk_er", ekey),
             ("sk_pi", prf_len), ("sk_pr", prf_len)]
    km = prf_plus(alg, skeyseed, ni + nr + spi_i + spi_r, sum(n for _, n in sizes))
    off = 0
    for name, n in sizes:
        expect(name, km[off:off + n], b[name])
        off += n

    # CHILD_SA keys (no PFS in IKE_AUTH)
    esp = f["esp_proposal"]
    if "gcm" in esp or "chacha20poly1305" in esp:
        cenc, cint = (32 if "256" in esp or "chacha" in esp else 16) + 4, 0
    else:
        cenc = int(esp.split("-")[0][3:]) // 8
        cint = ESP_INTEG[esp.split("-")[1]]
    ck = prf_plus(alg, b["sk_d"], ni + nr, 2 * (cenc + cint))
    expect("child_encr_i", ck[:cenc], b["child_encr_i"])
    expect("child_integ_i", ck[cenc:cenc + cint], b["child_integ_i"])
    expect("child_encr_r", ck[cenc + cint:2 * cenc + cint], b["child_encr_r"])
    expect("child_integ_r", ck[2 * cenc + cint:], b["child_integ_r"])

    # IKE_AUTH decryption and AUTH payloads
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return "key schedule ok (IKE_AUTH not checked: no python3-cryptography)"
    psk = b["psk"]
    pad_key = prf(alg, psk, b"Key Pad for IKEv2")
    spis = []
    for name, msg, sk_e, sk_a, signed, nonce, skp, id_type in (
            ("request", b["msg_ike_auth_request"], b["sk_ei"], b["sk_ai"], req, nr, b["sk_pi"], 35),
            ("response", b["msg_ike_auth_response"], b["sk_er"], b["sk_ar"], resp, ni, b["sk_pr"], 36)):
        pl = decrypt_sk(f, msg, sk_e, sk_a)
        d = dict(pl)
        ident = d[id_type]
        expect(f"ID in IKE_AUTH {name}", ident[4:].decode(), f["id_i" if id_type == 35 else "id_r"])
        want = prf(alg, pad_key, signed + nonce + prf(alg, skp, ident))
        expect(f"AUTH in IKE_AUTH {name}", d[39][4:], want)
        if 33 in d:
            sa = d[33]
            spis.append(sa[8:8 + sa[6]].hex())
    return f"key schedule ok, IKE_AUTH decrypted, both AUTH ok, ESP SPIs i/r {'/'.join(spis)}"


def main():
    bad = 0
    for path in sys.argv[1:]:
        try:
            print(f"ok   {path}: {check(path)}")
        except Exception as e:  # noqa: BLE001
            bad += 1
            print(f"FAIL {path}: {type(e).__name__}: {e}")
    print(f"{len(sys.argv) - 1 - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
