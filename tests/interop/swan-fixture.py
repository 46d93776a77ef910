#!/usr/bin/env python3
"""Builds one strongSwan known-answer fixture from a charon-to-charon run.

Inputs: the filelogs of the initiator and the responder (written with ike = 4, chd = 4) and a
pcap of the veth (UDP 500/4500). Output: the fixture text (format: see
tests/Mpsa.Tests/Fixtures/strongswan/README.md).

Keys come from charon's own log lines (labels in LOG_LABELS); every one must be printed by both
instances with the same value. SPIs, nonces, KE data and the messages come from the capture.
Only the Python standard library is used.
"""
import argparse
import re
import struct
import sys

# fixture key -> label charon 5.9.8 prints (keymat_v2.c, DBG4 with %B)
LOG_LABELS = [
    ("g_ir", "shared Diffie Hellman secret"),
    ("skeyseed", "SKEYSEED"),
    ("sk_d", "Sk_d secret"),
    ("sk_ai", "Sk_ai secret"),
    ("sk_ar", "Sk_ar secret"),
    ("sk_ei", "Sk_ei secret"),
    ("sk_er", "Sk_er secret"),
    ("sk_pi", "Sk_pi secret"),
    ("sk_pr", "Sk_pr secret"),
    ("child_encr_i", "encryption initiator key"),
    ("child_integ_i", "integrity initiator key"),
    ("child_encr_r", "encryption responder key"),
    ("child_integ_r", "integrity responder key"),
    ("child_seed", "seed"),   # CHD: g^ir(new, PFS only) | Ni | Nr; cross-check only
    ("psk_logged", "secret"),  # IKE: the PSK as used in AUTH; cross-check only
]

ENCR = {12: "ENCR_AES_CBC", 20: "ENCR_AES_GCM_16", 28: "ENCR_CHACHA20_POLY1305"}
INTEG = {2: "AUTH_HMAC_SHA1_96", 12: "AUTH_HMAC_SHA2_256_128", 13: "AUTH_HMAC_SHA2_384_192",
         14: "AUTH_HMAC_SHA2_512_256"}
PRF = {2: "PRF_HMAC_SHA1", 5: "PRF_HMAC_SHA2_256", 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512"}
DH = {14: "MODP_2048", 19: "ECP_256", 20: "ECP_384", 31: "CURVE25519"}

HDR_RE = re.compile(r"^\S+ (\d+)\[(\w+)\] (?:<[^>]*> )?(.*) => (\d+) bytes @ 0x[0-9a-f]+$")
DUMP_RE = re.compile(r"^\S+ (\d+)\[(\w+)\] (?:<[^>]*> )?\s*(\d+): (.*)$")


def die(msg):
    print("swan-fixture: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_log(path):
    """Returns {label: [bytes, ...]} for every %B dump in a charon filelog, in order."""
    out = {}
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    i = 0
    while i < len(lines):
        m = HDR_RE.match(lines[i])
        i += 1
        if not m:
            continue
        thread, group, label, n = m.group(1), m.group(2), m.group(3), int(m.group(4))
        data = bytearray()
        while len(data) < n and i < len(lines):
            d = DUMP_RE.match(lines[i])
            if not d or d.group(1) != thread or int(d.group(3)) != len(data):
                break
            take = min(16, n - len(data))
            hexpart = d.group(4)[: take * 3].split()
            if len(hexpart) != take:
                die(f"{path}: bad dump line {lines[i]!r}")
            data += bytes(int(h, 16) for h in hexpart)
            i += 1
        if len(data) != n:
            die(f"{path}: dump of {label!r} has {len(data)} of {n} bytes")
        out.setdefault((group, label), []).append(bytes(data))
    return out


def log_value(logs, label, group_hint=None):
    vals = []
    for (g, l), v in logs.items():
        if l == label and (group_hint is None or g == group_hint):
            vals.extend(v)
    return vals


def read_pcap(path):
    """Yields (src_port, dst_port, udp_payload) for UDP packets in a pcap (Ethernet or SLL)."""
    data = open(path, "rb").read()
    if len(data) < 24:
        die(f"{path}: not a pcap")
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        die(f"{path}: unknown pcap magic {magic:#x}")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16: off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            ethertype = struct.unpack(">H", pkt[12:14])[0]
            l3 = pkt[14:]
        elif linktype == 113:
            ethertype = struct.unpack(">H", pkt[14:16])[0]
            l3 = pkt[16:]
        else:
            die(f"{path}: unsupported link type {linktype}")
        if ethertype == 0x0800:
            ihl = (l3[0] & 0x0F) * 4
            if l3[9] != 17:
                continue
            total = struct.unpack(">H", l3[2:4])[0]
            udp = l3[ihl:total]
        elif ethertype == 0x86DD:
            if l3[6] != 17:  # no extension headers expected here
                continue
            plen = struct.unpack(">H", l3[4:6])[0]
            udp = l3[40:40 + plen]
        else:
            continue
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield sport, dport, udp[8:ulen]


def ike_messages(pcap):
    """IKE messages from the capture: list of dicts with raw bytes and header fields."""
    msgs = []
    for sport, dport, payload in read_pcap(pcap):
        marker = False
        if 4500 in (sport, dport):
            if payload[:4] != b"\0\0\0\0":
                continue  # ESP in UDP
            payload = payload[4:]
            marker = True
        if len(payload) < 28:
            continue  # NAT-T keepalive
        spi_i, spi_r, nxt, ver, exch, flags, mid, length = struct.unpack(">8s8sBBBBII", payload[:28])
        msgs.append(dict(raw=payload[:length], spi_i=spi_i, spi_r=spi_r, next=nxt, exch=exch,
                         response=bool(flags & 0x20), initiator=bool(flags & 0x08), mid=mid,
                         marker=marker, sport=sport, dport=dport))
    return msgs


def payloads(msg):
    """Plain payload chain of an unencrypted message: list of (type, body)."""
    raw, nxt, off, out = msg["raw"], msg["next"], 28, []
    while nxt != 0:
        n2, _, plen = struct.unpack(">BBH", raw[off:off + 4])
        out.append((nxt, raw[off + 4: off + plen]))
        if nxt == 46:  # SK: the rest is encrypted
            break
        nxt, off = n2, off + plen
    return out


def sa_transforms(sa_body):
    """First proposal of an SA payload body: {type: (id, keylen or None)}."""
    _, _, plen, num, proto, spisize, ntrans = struct.unpack(">BBHBBBB", sa_body[:8])
    off = 8 + spisize
    out = {}
    for _ in range(ntrans):
        _, _, tlen, ttype, _, tid = struct.unpack(">BBHBBH", sa_body[off:off + 8])
        attrs, keylen = sa_body[off + 8: off + tlen], None
        if len(attrs) >= 4 and struct.unpack(">H", attrs[:2])[0] == 0x800E:
            keylen = struct.unpack(">H", attrs[2:4])[0]
        out[ttype] = (tid, keylen)
        off += tlen
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", required=True)
    ap.add_argument("--ike-proposal", required=True)
    ap.add_argument("--esp-proposal", required=True)
    ap.add_argument("--psk", required=True)
    ap.add_argument("--id-i", required=True)
    ap.add_argument("--id-r", required=True)
    ap.add_argument("--initiator-log", required=True)
    ap.add_argument("--responder-log", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--version", default="5.9.8")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    li, lr = parse_log(a.initiator_log), parse_log(a.responder_log)
    vals = {}
    for key, label in LOG_LABELS:
        vi, vr = log_value(li, label), log_value(lr, label)
        if not vi:
            if key in ("sk_ai", "sk_ar", "child_integ_i", "child_integ_r"):
                vals[key] = b""
                continue
            die(f"initiator log has no {label!r}")
        if key == "psk_logged":
            vals[key] = vi[0]
            continue
        if len(vi) != 1 or len(vr) != 1:
            die(f"{label!r} printed {len(vi)}x by initiator, {len(vr)}x by responder (want 1 each)")
        if vi[0] != vr[0]:
            die(f"{label!r} differs between initiator and responder")
        vals[key] = vi[0]

    msgs = ike_messages(a.pcap)
    notes = []

    def pick(exch, response, mid):
        c = [m for m in msgs if m["exch"] == exch and m["response"] == response and m["mid"] == mid]
        if not c:
            die(f"capture has no exchange {exch} {'response' if response else 'request'} mid {mid}")
        distinct = {m["raw"] for m in c}
        if len(distinct) != 1:
            die(f"capture has {len(distinct)} different exchange {exch} messages mid {mid} "
                "(COOKIE or INVALID_KE round?)")
        if len(c) > 1:
            notes.append(f"exchange {exch} {'response' if response else 'request'} was "
                         f"retransmitted ({len(c)} identical copies in the capture)")
        return c[0]

    init_req, init_resp = pick(34, False, 0), pick(34, True, 0)
    auth_req, auth_resp = pick(35, False, 1), pick(35, True, 1)
    for m in (init_req, init_resp):
        for t, body in payloads(m):
            if t == 41 and struct.unpack(">H", body[2:4])[0] in (16390, 17):
                die("IKE_SA_INIT carried COOKIE or INVALID_KE_PAYLOAD")
    if init_resp["spi_i"] != init_req["spi_i"] or auth_req["spi_r"] != init_resp["spi_r"]:
        die("SPIs of the captured messages do not match")

    def one(m, ptype):
        b = [body for t, body in payloads(m) if t == ptype]
        if len(b) != 1:
            die(f"payload {ptype} appears {len(b)} times")
        return b[0]

    ni, nr = one(init_req, 40), one(init_resp, 40)
    ke_i_body, ke_r_body = one(init_req, 34), one(init_resp, 34)
    group = struct.unpack(">H", ke_r_body[:2])[0]
    if struct.unpack(">H", ke_i_body[:2])[0] != group:
        die("KE groups differ")
    tr = sa_transforms(one(init_resp, 33))
    encr_id, encr_bits = tr[1]
    integ = INTEG.get(tr[3][0], "?") if 3 in tr else ""
    if vals["child_seed"] != ni + nr:
        die("charon's CHILD_SA seed is not Ni | Nr: nonces from the capture do not match")
    if vals["psk_logged"] != a.psk.encode():
        die("charon's logged PSK differs from the configured one")

    aead = encr_id in (20, 28)
    if encr_bits is None:
        encr_bits = 256 if encr_id == 28 else 0
        notes.append(f"the SA payload has no Key Length attribute for {ENCR.get(encr_id, encr_id)} "
                     f"(fixed key size); encr_key_bits = {encr_bits} is that fixed size")
    if aead:
        notes.append(f"AEAD: charon prints SK_ei/SK_er as key | 4-byte salt ({len(vals['sk_ei'])} "
                     "bytes), as prf+ yields them (RFC 5282/7634); SK_ai/SK_ar are empty")
        notes.append("AEAD: child_encr_i/r are ESP key | 4-byte salt as charon prints them; "
                     "no integrity keys")
    if any(m["marker"] for m in (auth_req, auth_resp)):
        notes.append("IKE_AUTH went over UDP 4500 (kernel-libipsec asks for UDP encapsulation, so "
                     "charon fakes NAT detection: NATD_S_IP in IKE_SA_INIT is random); the 4-byte "
                     "non-ESP marker is stripped, msg_* are IKE messages from the IKE header on")
    notes.append("no COOKIE and no INVALID_KE round: one IKE_SA_INIT request and one response")

    sel = [l for l in open(a.initiator_log, encoding="utf-8", errors="replace")
           if "selected proposal:" in l]
    h = lambda b: b.hex()
    lines = [
        f"# source: strongSwan {a.version} (Debian 12 packages) charon initiator <-> charon responder, PSK",
        f"# how: tests/interop/capture-keys.sh {a.suite}  (ike proposal {a.ike_proposal}, "
        f"esp proposal {a.esp_proposal})",
    ]
    for l in sel:
        lines.append("# charon: selected proposal: " + l.split("selected proposal:", 1)[1].strip())
    for n in notes:
        lines.append("# note: " + n)
    lines += [
        f"ike_proposal = {a.ike_proposal}",
        f"encr = {ENCR.get(encr_id, encr_id)}",
        f"encr_key_bits = {encr_bits}",
        f"integ = {integ}",
        f"prf = {PRF.get(tr[2][0], tr[2][0])}",
        f"dh = {DH.get(group, group)}",
        f"psk = {h(a.psk.encode())}",
        f"id_i = {a.id_i}",
        f"id_r = {a.id_r}",
        f"spi_i = {h(init_req['spi_i'])}",
        f"spi_r = {h(init_resp['spi_r'])}",
        f"ni = {h(ni)}",
        f"nr = {h(nr)}",
        f"ke_i = {h(ke_i_body[4:])}",
        f"ke_r = {h(ke_r_body[4:])}",
    ]
    for key in ("g_ir", "skeyseed", "sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr"):
        lines.append(f"{key} = {h(vals[key])}")
    lines.append(f"esp_proposal = {a.esp_proposal}")
    for key in ("child_encr_i", "child_integ_i", "child_encr_r", "child_integ_r"):
        lines.append(f"{key} = {h(vals[key])}")
    lines += [
        f"msg_ike_sa_init_request = {h(init_req['raw'])}",
        f"msg_ike_sa_init_response = {h(init_resp['raw'])}",
        f"msg_ike_auth_request = {h(auth_req['raw'])}",
        f"msg_ike_auth_response = {h(auth_resp['raw'])}",
    ]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
