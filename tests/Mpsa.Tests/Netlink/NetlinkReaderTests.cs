using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.Netlink;

/// <summary>The attribute and message readers apply three length checks and reject lying lengths with NetlinkParseException only.</summary>
public class NetlinkReaderTests
{
    [Test]
    public void ReadsAttributesAndStripsNestedFlag()
    {
        byte[] run = [8, 0, 1, 0, 1, 2, 3, 4, 5, 0, 0x02, 0x80, 9, 0, 0, 0, 4, 0, 3, 0];
        var seen = new List<(ushort, string)>();

        foreach (var a in new NetlinkAttributeReader(run))
        {
            seen.Add((a.Type, Convert.ToHexString(a.Value)));
        }

        Assert.That(seen, Is.EqualTo(new[] { ((ushort)1, "01020304"), ((ushort)2, "09"), ((ushort)3, "") }));
    }

    [Test]
    public void AcceptsLastAttributeWithoutPadding()
    {
        byte[] run = [5, 0, 7, 0, 0xaa];
        var reader = new NetlinkAttributeReader(run);

        Assert.That(reader.MoveNext());
        Assert.That(reader.Current.ReadByte(), Is.EqualTo(0xaa));
        Assert.That(reader.MoveNext(), Is.False);
    }

    [TestCase(new byte[] { 4, 0 }, TestName = "RejectsAttributeHeaderCutShort")]
    [TestCase(new byte[] { 3, 0, 1, 0 }, TestName = "RejectsAttributeLengthBelowHeader")]
    [TestCase(new byte[] { 12, 0, 1, 0, 1, 2, 3, 4 }, TestName = "RejectsAttributeLengthBeyondWhatIsLeft")]
    [TestCase(new byte[] { 8, 0, 1, 0, 1, 2, 3, 4, 0, 1 }, TestName = "RejectsTrailingBytesShorterThanAHeader")]
    public void RejectsLyingAttributeLengths(byte[] run) =>
        Assert.Throws<NetlinkParseException>(() =>
        {
            foreach (var _ in new NetlinkAttributeReader(run))
            {
            }
        });

    [Test]
    public void RejectsValueShorterThanTheStructItClaims()
    {
        byte[] run = [8, 0, 21, 0, 1, 0, 0, 0];
        var reader = new NetlinkAttributeReader(run);
        Assert.That(reader.MoveNext());
        var attribute = reader.Current;
        bool threw = false;
        try
        {
            attribute.Read<Mpsa.Netlink.Xfrm.xfrm_mark>("xfrm_mark");
        }
        catch (NetlinkParseException)
        {
            threw = true;
        }

        Assert.That(threw, "xfrm_mark needs 8 bytes");
    }

    [TestCase(new byte[] { 16, 0, 0 }, TestName = "RejectsMessageHeaderCutShort")]
    [TestCase(new byte[] { 15, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, TestName = "RejectsMessageLengthBelowHeader")]
    [TestCase(new byte[] { 20, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, TestName = "RejectsMessageLengthBeyondTheDatagram")]
    public void RejectsLyingMessageLengths(byte[] datagram) =>
        Assert.Throws<NetlinkParseException>(() =>
        {
            foreach (var _ in new NetlinkMessageReader(datagram))
            {
            }
        });

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void SurvivesEveryTruncationAndBitFlipOfAStateMessage(int seed)
    {
        using var b = Mpsa.Netlink.Xfrm.XfrmMessages.NewState(XfrmSpecs.State("192.0.2.1", 1, mark: new XfrmMark(1)), update: false, withDirection: false);
        var valid = b.Finish(1).ToArray();
        var random = new Random(seed);
        for (int length = 0; length <= valid.Length; length++)
        {
            var mutated = valid[..length];
            if (length > 0)
            {
                mutated[random.Next(length)] ^= (byte)(1 << random.Next(8));
            }
            try
            {
                foreach (var m in new NetlinkMessageReader(mutated))
                {
                    if (m.Type == 16)
                    {
                        Mpsa.Netlink.Xfrm.XfrmMessages.ReadState(m);
                    }
                }
            }
            catch (NetlinkParseException)
            {
            }
        }
        Assert.Pass("only NetlinkParseException escaped");
    }

    [Test]
    public void ReadsErrnoAndExtendedAckText()
    {
        // NLMSG_ERROR with NLM_F_CAPPED|NLM_F_ACK_TLVS: error -93, the request's header, then NLMSGERR_ATTR_MSG.
        var text = "Requested type not found"u8;
        var laid = new LaidBytes(16 + 20 + 4 + 28)
            .U32(0, 68).U16(4, 2).U16(6, 0x300).U32(8, 5)
            .U32(16, unchecked((uint)-93)).U32(20, 240).U16(24, 16)
            .U16(36, (ushort)(4 + text.Length + 1)).U16(38, 1);
        text.CopyTo(laid.Bytes.AsSpan(40));
        var reader = new NetlinkMessageReader(laid.Bytes);
        Assert.That(reader.MoveNext());

        var (errno, extAck) = NetlinkErrorMessage.Read(reader.Current);

        Assert.That((errno, extAck), Is.EqualTo((93, "Requested type not found")));
    }
}
