using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Crypto;

namespace Mpsa.Tests.Wire;

public class IkeMessageTests
{
    [Test]
    public void RoundTripsEveryPayloadByteForByte()
    {
        byte[] bytes = SampleMessages.EveryPayloadCleartext();
        var message = IkeMessage.Decode(bytes);
        byte[] again = IkeMessage.Encode(message.Header, message.Payloads);
        Assert.That(again, Is.EqualTo(bytes));
        Assert.That(message.Payloads.Select(p => p.Type), Is.EqualTo(new[]
        {
            PayloadType.IDi, PayloadType.CERT, PayloadType.CERTREQ, PayloadType.IDr, PayloadType.AUTH, PayloadType.SA,
            PayloadType.TSi, PayloadType.TSr, PayloadType.N, PayloadType.D, PayloadType.D, PayloadType.V, PayloadType.SA, PayloadType.N,
        }));
    }

    [Test]
    public void EncodesHeaderAsRfc7296Lays()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        Assert.That(bytes[..8], Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.That(bytes[8..16], Is.EqualTo(new byte[8]));
        Assert.That(bytes[16], Is.EqualTo((byte)PayloadType.SA));
        Assert.That(bytes[17], Is.EqualTo(0x20), "MjVer 2, MnVer 0");
        Assert.That(bytes[18], Is.EqualTo((byte)ExchangeType.IKE_SA_INIT));
        Assert.That(bytes[19], Is.EqualTo(0x08), "Initiator flag");
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(24)), Is.EqualTo((uint)bytes.Length));
    }

    [Test]
    public void DecodesIkeSaInitPayloads()
    {
        var m = IkeMessage.Decode(SampleMessages.IkeSaInitRequest());
        Assert.That(m.Find<KeyExchangePayload>()!.Group, Is.EqualTo(DhGroup.CURVE25519));
        Assert.That(m.Find<VendorIdPayload>()!.IsMpsa, Is.True);
        var sa = m.Find<SecurityAssociationPayload>()!;
        Assert.That(sa.Proposals, Has.Count.EqualTo(2));
        Assert.That(sa.Proposals[1].Find(TransformType.ENCR)!.KeyLengthBits, Is.EqualTo(256));
    }

    [Test]
    public void SkipsUnknownNonCriticalPayload()
    {
        byte[] bytes = WithUnknownPayload(critical: false);
        var m = IkeMessage.Decode(bytes);
        Assert.That(m.Payloads.OfType<UnknownPayload>().Single().Type, Is.EqualTo((PayloadType)200));
    }

    [Test]
    public void RejectsUnknownCriticalPayloadWithItsType()
    {
        var e = Assert.Throws<IkeParseException>(() => IkeMessage.Decode(WithUnknownPayload(critical: true)))!;
        Assert.That(e.Error, Is.EqualTo(IkeParseError.UnsupportedCriticalPayload));
        Assert.That(e.Notify, Is.EqualTo(NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD));
        Assert.That(e.CriticalPayloadType, Is.EqualTo(200));
    }

    [Test]
    public void RejectsHeaderLengthThatDisagreesWithDatagram()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        Assert.That(Error(bytes.Concat(new byte[] { 0 }).ToArray()), Is.EqualTo(IkeParseError.LengthBeyondContainer));
        bytes[27] -= 1;
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.LengthBeyondContainer));
    }

    [Test]
    public void RejectsMajorVersionOtherThanTwo()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        bytes[17] = 0x30;
        var e = Assert.Throws<IkeParseException>(() => IkeMessage.Decode(bytes))!;
        Assert.That(e.Notify, Is.EqualTo(NotifyType.INVALID_MAJOR_VERSION));
    }

    [Test]
    public void RejectsPayloadLengthBelowHeader()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        bytes[28 + 2] = 0;
        bytes[28 + 3] = 3;
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.LengthBelowHeader));
    }

    [Test]
    public void RejectsPayloadLengthBeyondMessage()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        bytes[28 + 2] = 0xff;
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.LengthBeyondContainer));
    }

    [Test]
    public void RejectsChainThatEndsBeforeTheMessage()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        bytes[16] = 0; // header says no payloads, but they are there
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.TrailingBytes));
    }

    [Test]
    public void RejectsChainThatRunsPastTheMessage()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        int last = LastPayloadOffset(bytes);
        bytes[last] = (byte)PayloadType.V; // last payload claims a successor
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.Truncated));
    }

    [Test]
    public void RejectsMoreThanMaxPayloads()
    {
        var many = Enumerable.Range(0, IkeMessage.MaxPayloads + 1).Select(_ => (IPayload)new VendorIdPayload([1])).ToArray();
        byte[] bytes = IkeMessage.Encode(SampleMessages.Header(ExchangeType.INFORMATIONAL), many);
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.TooManyPayloads));
    }

    [Test]
    public void RejectsProposalWhoseMoreFlagDisagreesWithWhatRemains()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        bytes[28 + 4] = 0; // first proposal claims to be last, but a second follows
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.TrailingBytes));
    }

    [Test]
    public void RejectsTransformCountThatLies()
    {
        byte[] bytes = SampleMessages.IkeSaInitRequest();
        bytes[28 + 4 + 7] = 4; // first proposal says 4 transforms, holds 3
        Assert.That(Error(bytes), Is.AnyOf(IkeParseError.CountMismatch, IkeParseError.Truncated));
    }

    [Test]
    public void RejectsSkPayloadThatIsNotLast()
    {
        var sk = new UnknownPayload(PayloadType.SK, new byte[24]);
        byte[] bytes = IkeMessage.Encode(SampleMessages.Header(ExchangeType.INFORMATIONAL), [sk, new VendorIdPayload([1])]);
        Assert.That(Error(bytes), Is.EqualTo(IkeParseError.TrailingBytes));
    }

    [Test]
    public void LocatesSkPayloadBody()
    {
        var sk = new UnknownPayload(PayloadType.SK, new byte[24]);
        byte[] bytes = IkeMessage.Encode(SampleMessages.Header(ExchangeType.INFORMATIONAL), [new VendorIdPayload([1]), sk]);
        var m = IkeMessage.Decode(bytes);
        Assert.That(m.Encrypted, Is.EqualTo(new EncryptedPayload(PayloadType.NoNextPayload, 28 + 5 + 4, 24)));
    }

    // The controller's side of an MPSA_PUT: the payloads are laid out and padded in the thread's pinned scratch
    // buffers, zeroed once sealed; the datagram is ciphertext.
    [Test]
    public void SealsMpsaPutLeavingOnlyCiphertext()
    {
        using var put = SampleMessages.SampleMpsaPut();
        var (sender, receiver) = Protections();
        using (sender)
        using (receiver)
        {
            byte[] datagram = IkeMessage.EncodeEncrypted(Informational(), [put.ToNotify()], sender);

            Assert.That(PinnedScratch.RentForEncoding(4096).ToArray(), Is.All.Zero, "the payloads laid out");
            Assert.That(PinnedScratch.Rent(4096).ToArray(), Is.All.Zero, "the padded plaintext");
            Assert.That(datagram.AsSpan().IndexOf(SampleSkD), Is.EqualTo(-1), "SK_d in the datagram");
        }
    }

    // The agent's side: the decrypted plaintext is zeroed once decoded, the Notification Data once MPSA_PUT is decoded.
    [Test]
    public void ZeroesSkDFromOpenThroughMpsaPutDecode()
    {
        using var put = SampleMessages.SampleMpsaPut();
        var (sender, receiver) = Protections();
        using (sender)
        using (receiver)
        {
            byte[] datagram = IkeMessage.EncodeEncrypted(Informational(), [put.ToNotify()], sender);
            var outer = IkeMessage.Decode(datagram);
            MpsaPut? received = null;

            var left = CopiesOfKey.LeftBy(() =>
            {
                Assert.That(outer.TryOpen(datagram, receiver, out var inner), Is.True);
                Assert.That(PinnedScratch.Rent(4096).ToArray(), Is.All.Zero, "the decrypted plaintext");
                received = MpsaPut.Decode(inner.FindNotify(NotifyType.MPSA_PUT)!);
            }, SampleSkD);

            using (received)
            {
                Assert.That(received!.SkD.Span.ToArray(), Is.EqualTo(SampleSkD));
            }
            Assert.That(left, Is.Empty, "copies of SK_d left between decryption and SecretBytes");
        }
    }

    // An SK payload whose chain fails after N(MPSA_PUT) is dropped: the SK_d decoded before the failure is zeroed.
    [Test]
    public void ZeroesMpsaPutDataWhenTheChainAfterItIsMalformed()
    {
        using var put = SampleMessages.SampleMpsaPut();
        var (sender, receiver) = Protections();
        using (sender)
        using (receiver)
        {
            var malformedSa = new UnknownPayload(PayloadType.SA, [1, 2, 3]);
            byte[] datagram = IkeMessage.EncodeEncrypted(Informational(), [put.ToNotify(), malformedSa], sender);
            var outer = IkeMessage.Decode(datagram);

            var left = CopiesOfKey.LeftBy(
                () => Assert.Throws<IkeParseException>(() => outer.TryOpen(datagram, receiver, out _)), SampleSkD);

            Assert.That(left, Is.Empty, "the MPSA_PUT Notification Data decoded before the failure");
            Assert.That(PinnedScratch.Rent(4096).ToArray(), Is.All.Zero, "the decrypted plaintext");
        }
    }

    private static readonly byte[] SampleSkD = SampleMessages.Filled(20, 0x5a);

    private static IkeHeader Informational() => SampleMessages.Header(ExchangeType.INFORMATIONAL);

    private static (IEncryptedPayloadProtection Sender, IEncryptedPayloadProtection Receiver) Protections()
    {
        var suite = IkeSuite.Default;
        byte[] key = SampleMessages.Filled(suite.EncrKeyLength, 0x17);
        byte[] integ = SampleMessages.Filled(suite.IntegKeyLength, 0x18);
        return (EncryptedPayloadProtection.Create(suite, key, integ, new SeededRandom(1)),
            EncryptedPayloadProtection.Create(suite, key, integ, new SeededRandom(2)));
    }

    internal static IkeParseError Error(byte[] bytes) => Assert.Throws<IkeParseException>(() => IkeMessage.Decode(bytes))!.Error;

    private static byte[] WithUnknownPayload(bool critical)
    {
        byte[] bytes = IkeMessage.Encode(SampleMessages.Header(ExchangeType.INFORMATIONAL),
            [new VendorIdPayload([9]), new UnknownPayload((PayloadType)200, [1, 2, 3])]);
        if (critical)
        {
            bytes[28 + 5 + 1] = 0x80;
        }
        return bytes;
    }

    private static int LastPayloadOffset(byte[] bytes)
    {
        int at = 28, next = bytes[16];
        while (true)
        {
            int following = bytes[at];
            if (following == 0)
            {
                return at;
            }
            at += (bytes[at + 2] << 8) | bytes[at + 3];
            next = following;
        }
    }
}
