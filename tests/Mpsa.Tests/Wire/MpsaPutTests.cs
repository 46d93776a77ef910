using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

public class MpsaPutTests
{
    /// <summary>
    /// draft-mpsa §3.2.2 example, laid out word by word from the figure (ESP, AES-CBC 256, PRF_HMAC_SHA1,
    /// AUTH_HMAC_SHA1_96), with the text's attribute types 16387/16388 for ROLL1/ROLL2 and 0 on the last
    /// transform (RFC 7296 §3.3.2) where the figure slips.
    /// </summary>
    private static byte[] DraftExampleNotifyBody(ushort roll1Attribute = 16387, ushort roll2Attribute = 16388)
    {
        var b = new List<byte>();
        void U8(int v) => b.Add((byte)v);
        void U16(int v) { U8(v >> 8); U8(v); }
        void U32(uint v) { U16((int)(v >> 16)); U16((int)(v & 0xffff)); }
        void Bytes(byte[] v) => b.AddRange(v);
        byte[] nonce = SampleMessages.Filled(32, 0xa5), skd = SampleMessages.Filled(20, 0x5a);

        // Notify: Protocol ID 3 (ESP) | SPI Size 4 | MPSA_PUT (40960) | SPI
        U8(3); U8(4); U16(40960); U32(0xc0ffee01);
        int transformsLength = 12 + 8 + 8 + (12 + nonce.Length) + (12 + skd.Length) + 16 + 16 + 16;
        // Proposal-like: 0 (last) | RESERVED | Proposal Length | Prop Num 1 | 3 (ESP) | SPI Size 4 | Num Transforms 8 | SPI
        U8(0); U8(0); U16(12 + transformsLength); U8(1); U8(3); U8(4); U8(8); U32(0xc0ffee01);
        // ENCR: 3 | RES | 12 | 1 (ENCR) | RES | 12 (ENCR_AES_CBC) | 1|14 (Key Length) | 256
        U8(3); U8(0); U16(12); U8(1); U8(0); U16(12); U16(0x8000 | 14); U16(256);
        // PRF: 3 | RES | 8 | 2 (PRF) | RES | 2 (PRF_HMAC_SHA1)
        U8(3); U8(0); U16(8); U8(2); U8(0); U16(2);
        // INTEG: 3 | RES | 8 | 3 (INTEG) | RES | 2 (AUTH_HMAC_SHA1_96)
        U8(3); U8(0); U16(8); U8(3); U8(0); U16(2);
        // NONCE: 3 | RES | len | 241 | RES | 1 | 0|16384 | Attribute Length | Nonce
        U8(3); U8(0); U16(12 + nonce.Length); U8(241); U8(0); U16(1); U16(16384); U16(nonce.Length); Bytes(nonce);
        // SKD: 3 | RES | len | 242 | RES | 1 | 0|16385 | Attribute Length | SK_d
        U8(3); U8(0); U16(12 + skd.Length); U8(242); U8(0); U16(1); U16(16385); U16(skd.Length); Bytes(skd);
        // LIFE: 3 | RES | 16 | 243 | RES | 1 | 0|16386 | 4 | Lifetime
        U8(3); U8(0); U16(16); U8(243); U8(0); U16(1); U16(16386); U16(4); U32(3600);
        // ROLL1: 3 | RES | 16 | 244 | RES | 1 | 0|16387 | 4 | RolloverTime1
        U8(3); U8(0); U16(16); U8(244); U8(0); U16(1); U16(roll1Attribute); U16(4); U32(30);
        // ROLL2: 0 (last) | RES | 16 | 245 | RES | 1 | 0|16388 | 4 | RolloverTime2
        U8(0); U8(0); U16(16); U8(245); U8(0); U16(1); U16(roll2Attribute); U16(4); U32(60);
        return [.. b];
    }

    [Test]
    public void EncodesDraftExampleToItsExactLayout()
    {
        using var put = SampleMessages.SampleMpsaPut();
        var notify = put.ToNotify();
        var body = new byte[notify.BodyLength];
        var w = new IkeWriter(body);
        notify.EncodeBody(ref w);
        Assert.That(body, Is.EqualTo(DraftExampleNotifyBody()));
    }

    [Test]
    public void ParsesDraftExampleBack()
    {
        var r = new IkeReader(DraftExampleNotifyBody());
        using var put = MpsaPut.Decode(NotifyPayload.Decode(ref r));
        Assert.Multiple(() =>
        {
            Assert.That(put.Spi, Is.EqualTo(new EspSpi(0xc0ffee01)));
            Assert.That(put.Encr, Is.EqualTo(EncrId.ENCR_AES_CBC));
            Assert.That(put.EncrKeyBits, Is.EqualTo(256));
            Assert.That(put.Prf, Is.EqualTo(PrfId.PRF_HMAC_SHA1));
            Assert.That(put.Integ, Is.EqualTo(IntegId.AUTH_HMAC_SHA1_96));
            Assert.That(put.Nonce, Is.EqualTo(SampleMessages.Filled(32, 0xa5)));
            Assert.That(put.SkD.Span.ToArray(), Is.EqualTo(SampleMessages.Filled(20, 0x5a)));
            Assert.That(put.LifetimeSeconds, Is.EqualTo(3600));
            Assert.That(put.Rollover1Seconds, Is.EqualTo(30));
            Assert.That(put.Rollover2Seconds, Is.EqualTo(60));
        });
    }

    [Test]
    public void AcceptsFigureAttributeTypesForRollovers()
    {
        var r = new IkeReader(DraftExampleNotifyBody(roll1Attribute: 16386, roll2Attribute: 16386));
        using var put = MpsaPut.Decode(NotifyPayload.Decode(ref r));
        Assert.That((put.Rollover1Seconds, put.Rollover2Seconds), Is.EqualTo((30u, 60u)));
    }

    [Test]
    public void RejectsSpiThatDiffersBetweenNotifyAndProposal()
    {
        byte[] body = DraftExampleNotifyBody();
        body[7] ^= 1; // Notify SPI's last byte
        var e = Assert.Throws<IkeParseException>(() => Decode(body))!;
        Assert.That(e.Error, Is.EqualTo(IkeParseError.InconsistentSpi));
    }

    [TestCase(15)]
    [TestCase(257)]
    public void RejectsNonceOutsideSixteenToTwoHundredFiftySix(int length)
    {
        using var sample = SampleMessages.SampleMpsaPut();
        using var put = new MpsaPut(sample.Spi, sample.Encr, sample.EncrKeyBits, sample.Integ, sample.Prf, new byte[length],
            Ike.Crypto.SecretBytes.CopyFrom(sample.SkD.Span), 1, 2, 3);
        Assert.That(Assert.Throws<IkeParseException>(() => MpsaPut.Decode(put.ToNotify()))!.Structure, Does.Contain("nonce"));
    }

    [Test]
    public void RejectsSkDOfWrongLengthForPrf()
    {
        using var sample = SampleMessages.SampleMpsaPut();
        using var put = new MpsaPut(sample.Spi, sample.Encr, sample.EncrKeyBits, sample.Integ, Ike.Wire.PrfId.PRF_HMAC_SHA2_256,
            sample.Nonce, Ike.Crypto.SecretBytes.CopyFrom(sample.SkD.Span), 1, 2, 3);
        Assert.That(Assert.Throws<IkeParseException>(() => MpsaPut.Decode(put.ToNotify()))!.Structure, Does.Contain("SK_d"));
    }

    [Test]
    public void RejectsMissingLifetime()
    {
        var e = Assert.Throws<IkeParseException>(() => DecodeEdited(ts => ts.Where(t => t.TransformType != TransformType.LIFE)))!;
        Assert.That(e.Error, Is.EqualTo(IkeParseError.MissingPayload));
    }

    [Test]
    public void RejectsLifetimeThatIsNotFourOctets()
    {
        var e = Assert.Throws<IkeParseException>(() => DecodeEdited(ts => ts.Select(t => t.TransformType != TransformType.LIFE ? t
            : new TransformSubstructure(TransformType.LIFE, 1, [TransformAttribute.Tlv(TransformAttributeType.LifetimeValue, [0, 14, 16])]))))!;
        Assert.That(e.Structure, Does.Contain("LIFE value length"));
    }

    /// <summary>Re-encodes the sample with its transform list edited, keeping every length consistent.</summary>
    private static MpsaPut DecodeEdited(Func<IEnumerable<TransformSubstructure>, IEnumerable<TransformSubstructure>> edit)
    {
        using var put = SampleMessages.SampleMpsaPut();
        var n = put.ToNotify();
        var r = new IkeReader(n.Data);
        var proposal = ProposalSubstructure.Decode(ref r, expectLast: true);
        var edited = proposal with { Transforms = edit(proposal.Transforms).ToList() };
        var data = new byte[edited.Length];
        var w = new IkeWriter(data);
        edited.Encode(ref w, isLast: true);
        return MpsaPut.Decode(n with { Data = data });
    }

    [Test]
    public void RejectsDuplicateTransformType()
    {
        byte[] body = DraftExampleNotifyBody();
        body[FindTransform(body, 245) + 4] = 244; // ROLL2 relabelled as a second ROLL1
        Assert.That(Assert.Throws<IkeParseException>(() => Decode(body))!.Structure, Does.Contain("duplicate"));
    }

    [Test]
    public void RejectsLastTransformFlaggedAsMore()
    {
        byte[] body = DraftExampleNotifyBody();
        body[FindTransform(body, 245)] = 3;
        Assert.That(Assert.Throws<IkeParseException>(() => Decode(body))!.Error, Is.EqualTo(IkeParseError.CountMismatch));
    }

    [Test]
    public void DecodesEveryTruncationAsParseError()
    {
        byte[] body = DraftExampleNotifyBody();
        for (int n = 0; n < body.Length; n++)
        {
            Assert.Throws<IkeParseException>(() => Decode(body[..n]), $"truncated to {n}");
        }
    }

    [Test]
    public void ZeroesEveryCopyOfSkDOnceDecoded()
    {
        NotifyPayload? notify = null;
        MpsaPut? put = null;
        var left = CopiesOfKey.LeftBy(() =>
        {
            var r = new IkeReader(DraftExampleNotifyBody());
            notify = NotifyPayload.Decode(ref r);
            put = MpsaPut.Decode(notify);
        }, DraftSkD);
        using (put)
        {
            Assert.That(put!.SkD.Span.ToArray(), Is.EqualTo(DraftSkD), "only the SecretBytes keeps it");
        }
        Assert.That(left, Is.Empty, "copies of SK_d left by the decode");
        Assert.That(notify!.Data, Is.All.Zero, "Notification Data");
    }

    private static IEnumerable<TestCaseData> Rejections()
    {
        // After the proposal decoded: MPSA_PUT's own checks refuse it.
        byte[] duplicate = DraftExampleNotifyBody();
        duplicate[FindTransform(duplicate, 245) + 4] = 244;
        yield return new TestCaseData(duplicate).SetArgDisplayNames("duplicate transform after SKD");
        // The proposal fails on a transform after the SKD one.
        byte[] lastAsMore = DraftExampleNotifyBody();
        lastAsMore[FindTransform(lastAsMore, 245)] = 3;
        yield return new TestCaseData(lastAsMore).SetArgDisplayNames("transform after SKD malformed");
        // The SKD transform itself fails after its SK_d attribute: a second attribute cut after its type.
        byte[] cutAttribute = WithBytesInSkdTransform([0x40, 0x01]);
        yield return new TestCaseData(cutAttribute).SetArgDisplayNames("attribute after SK_d cut");
    }

    [TestCaseSource(nameof(Rejections))]
    public void ZeroesEveryCopyOfSkDWhenRejected(byte[] body)
    {
        var left = CopiesOfKey.LeftBy(() => Assert.Throws<IkeParseException>(() => Decode(body)), DraftSkD);
        Assert.That(left, Is.Empty, "copies of SK_d left by the failed decode");
    }

    [Test]
    public void KeepsSkDOnlyInTheNotifyItEncodes()
    {
        using var put = SampleMessages.SampleMpsaPut();
        NotifyPayload? notify = null;
        var left = CopiesOfKey.LeftBy(() => notify = put.ToNotify(), DraftSkD);
        Assert.That(left, Is.Empty, "the SKD attribute value laid out into the Notification Data");
        // The Notification Data holds SK_d until the message is sealed, when the sender zeroes it.
        Assert.That(notify!.CarriesKeyMaterial, Is.True);
        Assert.That(notify.Data.AsSpan().IndexOf(DraftSkD), Is.GreaterThan(0));
    }

    [Test]
    public void NeverPrintsSkDOrNonce()
    {
        using var put = SampleMessages.SampleMpsaPut();
        Assert.That(put.ToString(), Does.Not.Contain("5a5a").And.Not.Contain("a5a5"));
        Assert.That(put.SkD.ToString(), Is.EqualTo("[secret, 20 bytes]"));
    }

    private static readonly byte[] DraftSkD = SampleMessages.Filled(20, 0x5a);

    /// <summary>The draft example, <paramref name="extra"/> at the end of the SKD transform, lengths adjusted.</summary>
    private static byte[] WithBytesInSkdTransform(byte[] extra)
    {
        byte[] body = DraftExampleNotifyBody();
        int skd = FindTransform(body, 242);
        int end = skd + ((body[skd + 2] << 8) | body[skd + 3]);
        byte[] edited = [.. body[..end], .. extra, .. body[end..]];
        AddToLength(edited, skd + 2, extra.Length);   // Transform Length
        AddToLength(edited, 8 + 2, extra.Length);     // Proposal Length (after the Notify header and SPI)
        return edited;
    }

    private static void AddToLength(byte[] bytes, int at, int delta)
    {
        int length = ((bytes[at] << 8) | bytes[at + 1]) + delta;
        bytes[at] = (byte)(length >> 8);
        bytes[at + 1] = (byte)length;
    }

    private static MpsaPut Decode(byte[] notifyBody)
    {
        var r = new IkeReader(notifyBody);
        return MpsaPut.Decode(NotifyPayload.Decode(ref r));
    }

    private static int FindTransform(byte[] body, byte type)
    {
        int at = 8 + 8 + 4; // notify header+SPI, proposal header, proposal SPI
        while (body[at + 4] != type)
        {
            at += (body[at + 2] << 8) | body[at + 3];
        }
        return at;
    }
}
