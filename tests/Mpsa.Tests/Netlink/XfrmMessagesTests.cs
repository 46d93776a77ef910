using System.Net;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Xfrm;
using static Mpsa.Tests.Netlink.XfrmSpecs;

namespace Mpsa.Tests.Netlink;

/// <summary>XFRM requests byte for byte against layouts laid by hand from the C offsets, and the kernel's messages read back.</summary>
public class XfrmMessagesTests
{
    /// <summary>
    /// NEWSA, IPv4 tunnel, cbc(aes) 256 + hmac(sha256) 128, mark 0x10/0xff. Offsets from the message start:
    /// nlmsghdr 0; xfrm_usersa_info 16 (sel 16, id 72, saddr 96, lft 112, curlft 176, stats 208, reqid 224,
    /// family 228, mode 230, replay_window 231, flags 232, end 240); XFRMA_ALG_CRYPT 240 (xfrm_algo 244, key 312);
    /// XFRMA_ALG_AUTH_TRUNC 344 (xfrm_algo_auth 348, key 420); XFRMA_MARK 452; end 464.
    /// </summary>
    [Test]
    public void LaysOutNewSaAsTheKernelReadsIt()
    {
        var spec = State("192.0.2.1", 0xc0000101, source: "198.51.100.9", mark: new XfrmMark(0x10, 0xff));
        var expected = new LaidBytes(464)
            .U32(0, 464).U16(4, 16).U16(6, 0x5).U32(8, 1).U32(12, 0x1234)
            // sel all zero, family AF_UNSPEC: a tunnel-mode state carries either inner family (with flags AF_UNSPEC)
            .Address(72, "192.0.2.1").Be32(88, 0xc0000101).U8(92, 50)
            .Address(96, "198.51.100.9")
            .Fill(112, 32, 0xff)                                 // byte and packet limits XFRM_INF
            .U64(144, 3600).U64(152, 3660)                       // soft/hard add expire seconds
            .U32(224, OwnReqId).U16(228, 2).U8(230, 1).U8(231, 0).U8(232, 32)   // flags XFRM_STATE_AF_UNSPEC
            .U16(240, 104).U16(242, 2).Ascii(244, "cbc(aes)").U32(308, 256).Fill(312, 32, 0x42)
            .U16(344, 108).U16(346, 20).Ascii(348, "hmac(sha256)").U32(412, 256).U32(416, 128).Fill(420, 32, 0x43)
            .U16(452, 12).U16(454, 21).U32(456, 0x10).U32(460, 0xff);

        using var b = XfrmMessages.NewState(spec, update: false, withDirection: false);

        Assert.That(Convert.ToHexString(b.Finish(1, 0x1234)), Is.EqualTo(Convert.ToHexString(expected.Bytes)));
    }

    /// <summary>
    /// NEWPOLICY, out, 10.1.0.0/16 -> 10.2.0.0/16 udp dport 4500, tunnel template 192.0.2.1 -> 198.51.100.2.
    /// xfrm_userpolicy_info 16 (sel.daddr 16, saddr 32, dport 48, dport_mask 50, family 56, prefixlen_d 58,
    /// prefixlen_s 59, proto 60; lft 72; priority 168; dir 176; end 184); XFRMA_TMPL 184 (xfrm_user_tmpl 188:
    /// id.daddr 188, spi 204, proto 208, family 212, saddr 216, reqid 232, mode 236, aalgos 240); end 252.
    /// </summary>
    [Test]
    public void LaysOutNewPolicyAsTheKernelReadsIt()
    {
        var policy = Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.Out, protocol: System.Net.Sockets.ProtocolType.Udp, destinationPort: 4500);
        var expected = new LaidBytes(252)
            .U32(0, 252).U16(4, 19).U16(6, 0x5).U32(8, 7)
            .Address(16, "10.2.0.0").Address(32, "10.1.0.0").Be16(48, 4500).U16(50, 0xffff)
            .U16(56, 2).U8(58, 16).U8(59, 16).U8(60, 17)
            .Fill(72, 32, 0xff)
            .U32(168, 1000).U8(176, 1)
            .U16(184, 68).U16(186, 5)
            .Address(188, "198.51.100.2").U8(208, 50).U16(212, 2).Address(216, "192.0.2.1").U32(232, OwnReqId).U8(236, 1)
            .Fill(240, 12, 0xff);

        using var b = XfrmMessages.NewPolicy(policy, update: false);

        Assert.That(Convert.ToHexString(b.Finish(7)), Is.EqualTo(Convert.ToHexString(expected.Bytes)));
    }

    [Test]
    public void LaysOutAeadWithSaltInKeyAndIcvBits()
    {
        var spec = State("2001:db8::1", 0x1000, suite: Gcm16, direction: XfrmDirection.In);

        using var b = XfrmMessages.NewState(spec, update: true, withDirection: true);
        var bytes = b.Finish(1).ToArray();

        // 16 + 224 = 240: XFRMA_ALG_AEAD, len 4 + 72 + 36 = 112; then XFRMA_SA_DIR (33) u8 = XFRM_SA_DIR_IN.
        var expected = new LaidBytes(240 + 112 + 8)
            .U16(240, 112).U16(242, 18).Ascii(244, "rfc4106(gcm(aes))").U32(308, 288).U32(312, 128).Fill(316, 36, 0x42)
            .U16(352, 5).U16(354, 33).U8(356, 1);
        Assert.That(BitConverter.ToUInt16(bytes, 4), Is.EqualTo(26), "XFRM_MSG_UPDSA");
        Assert.That(BitConverter.ToUInt16(bytes, 16 + 212), Is.EqualTo(10), "family AF_INET6");
        Assert.That(Convert.ToHexString(bytes[240..]), Is.EqualTo(Convert.ToHexString(expected.Bytes[240..])));
    }

    [Test]
    public void OmitsSaDirectionUnlessAsked()
    {
        using var b = XfrmMessages.NewState(State("192.0.2.1", 1, direction: XfrmDirection.Out), update: false, withDirection: false);

        Assert.That(b.Length, Is.EqualTo(16 + 224 + 104 + 108));
    }

    [TestCase("6.1.0-28-amd64", false)]
    [TestCase("6.9.12", false)]
    [TestCase("6.10.0", true)]
    [TestCase("6.18.44-fc-v782", true)]
    [TestCase("7.0", true)]
    [TestCase("5.15.167", false)]
    [TestCase("garbage", false)]
    public void DetectsSaDirectionSupportFromRelease(string release, bool supported) =>
        Assert.That(XfrmKernel.SupportsSaDirection(release), Is.EqualTo(supported));

    [Test]
    public void ReadsBackTheStateItLaysOut()
    {
        var spec = State("2001:db8::1", 0xc0000101, mark: new XfrmMark(0x10, 0xff), suite: ChaCha);
        using var b = XfrmMessages.NewState(spec, update: false, withDirection: false);
        var bytes = b.Finish(1).ToArray();
        var reader = new NetlinkMessageReader(bytes);
        Assert.That(reader.MoveNext());

        var entry = XfrmMessages.ReadState(reader.Current);

        Assert.That(entry, Is.EqualTo(new XfrmStateEntry(spec.Id, OwnReqId, new XfrmMark(0x10, 0xff), 0, 0, XfrmMode.Tunnel)));
    }

    [Test]
    public void LaysOutUdpEncapsulationInNetworkOrder()
    {
        var spec = State("192.0.2.1", 0xc0000101, source: "198.51.100.9", mode: XfrmMode.Transport) with { Encap = new XfrmEncap(4500, 31000) };
        using var b = XfrmMessages.NewState(spec, update: false, withDirection: false);
        var bytes = b.Finish(1).ToArray();
        var reader = new NetlinkMessageReader(bytes);
        Assert.That(reader.MoveNext());

        var entry = XfrmMessages.ReadState(reader.Current);
        string? encap = null;
        foreach (var a in reader.Current.AttributesAfter(224))
        {
            encap = a.Type == 4 ? Convert.ToHexString(a.Value) : encap;
        }

        Assert.That(entry.Encap, Is.EqualTo(new XfrmEncap(4500, 31000)));
        Assert.That(entry.Mode, Is.EqualTo(XfrmMode.Transport));
        // encap_type 2 (host order), sport 4500 = 0x1194 and dport 31000 = 0x7918 big-endian, encap_oa zero.
        Assert.That(encap, Is.EqualTo("0200" + "1194" + "7918" + "0000" + new string('0', 32)));
    }

    [Test]
    public void ReadsBackThePolicyItLaysOut()
    {
        var policy = Policy("2001:db8:1::/48", "2001:db8:2::/48", XfrmDirection.Fwd, mark: new XfrmMark(7), protocol: System.Net.Sockets.ProtocolType.Tcp, destinationPort: 443);
        using var b = XfrmMessages.NewPolicy(policy, update: true);
        var bytes = b.Finish(1).ToArray();
        var reader = new NetlinkMessageReader(bytes);
        Assert.That(reader.MoveNext());

        Assert.That(XfrmMessages.ReadPolicy(reader.Current), Is.EqualTo(new XfrmPolicyEntry(policy.Id, OwnReqId)));
    }

    [Test]
    public void ReadsExpireAndAcquire()
    {
        var expire = new LaidBytes(16 + 232)
            .U32(0, 248).U16(4, 24)
            .Address(16 + 56, "192.0.2.1").Be32(16 + 72, 0xc0000101).U8(16 + 76, 50).U32(16 + 208, 9).U16(16 + 212, 2)
            .U8(16 + 224, 1);
        var acquire = new LaidBytes(16 + 280 + 68)
            .U32(0, 364).U16(4, 23)
            .Address(16, "198.51.100.2").U8(16 + 20, 50).Address(16 + 24, "192.0.2.1")
            .Address(16 + 40, "10.2.0.7").Address(16 + 40 + 16, "10.1.0.1").U16(16 + 40 + 40, 2).U8(16 + 40 + 42, 32).U8(16 + 40 + 43, 32)
            .Address(16 + 96, "10.2.0.0").Address(16 + 96 + 16, "10.1.0.0").U16(16 + 96 + 40, 2).U8(16 + 96 + 42, 16).U8(16 + 96 + 43, 16)
            .U8(16 + 96 + 160, 1)
            .U16(296, 68).U16(298, 5).U32(300 + 44, 9);

        var e = ReadOne(expire.Bytes, XfrmMessages.ReadExpire);
        var a = ReadOne(acquire.Bytes, m => XfrmMessages.ReadAcquire(m));

        Assert.That(e, Is.EqualTo(new StateExpired(new XfrmStateId(IPAddress.Parse("192.0.2.1"), new EspSpi(0xc0000101)), 9, Hard: true)));
        var selector = new XfrmSelector(IpPrefix.Parse("10.1.0.0/16"), IpPrefix.Parse("10.2.0.0/16"));
        Assert.That(a, Is.EqualTo(new AcquireRequested(new XfrmPolicyId(selector, XfrmDirection.Out), IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.2"), 9)));
    }

    [Test]
    public void RejectsExpireShorterThanItsStruct()
    {
        var shortExpire = new LaidBytes(16 + 200).U32(0, 216).U16(4, 24).Bytes;

        Assert.Throws<NetlinkParseException>(() => ReadOne(shortExpire, XfrmMessages.ReadExpire));
    }

    private static T ReadOne<T>(byte[] datagram, Func<NetlinkMessage, T> read)
    {
        var reader = new NetlinkMessageReader(datagram);
        Assert.That(reader.MoveNext());
        return read(reader.Current);
    }
}
