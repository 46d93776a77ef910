using System.Buffers.Binary;
using Mpsa.Ike.Crypto;

namespace Mpsa.Ike.Wire;

/// <summary>draft-mpsa §3.2.2 N(MPSA_PUT): one multi-point ESP SA pushed by the controller.</summary>
/// <remarks>
/// Notification Data is a Proposal-like substructure (Protocol ID ESP, SPI equal to the Notify's) holding the
/// transforms ENCR (+Key Length), PRF, INTEG, NONCE (241/16384), SKD (242/16385), LIFE (243/16386),
/// ROLL1 (244/16387) and ROLL2 (245/16388); the last three carry 4-octet values in seconds.
/// The draft's figure labels the ROLL attributes 16386: on parse the transform type decides, on encode the text's values are used.
/// </remarks>
public sealed class MpsaPut : IDisposable
{
    public const ushort MpsaTransformId = 1;

    public MpsaPut(EspSpi spi, EncrId encr, int? encrKeyBits, IntegId integ, PrfId prf, byte[] nonce, SecretBytes skD,
        uint lifetimeSeconds, uint rollover1Seconds, uint rollover2Seconds)
    {
        Spi = spi;
        Encr = encr;
        EncrKeyBits = encrKeyBits;
        Integ = integ;
        Prf = prf;
        Nonce = nonce;
        SkD = skD;
        LifetimeSeconds = lifetimeSeconds;
        Rollover1Seconds = rollover1Seconds;
        Rollover2Seconds = rollover2Seconds;
    }

    public EspSpi Spi { get; }
    public EncrId Encr { get; }
    public int? EncrKeyBits { get; }

    /// <summary><see cref="IntegId.NONE"/> when the INTEG transform is absent (AEAD).</summary>
    public IntegId Integ { get; }
    public PrfId Prf { get; }
    public byte[] Nonce { get; }
    public SecretBytes SkD { get; }
    public uint LifetimeSeconds { get; }
    public uint Rollover1Seconds { get; }
    public uint Rollover2Seconds { get; }

    /// <summary>Transform types present besides ENCR, PRF, INTEG and the five MPSA types (ESN, say): kept so that the
    /// validation step can refuse them (RFC 7296 §3.3.6: an unknown transform type makes a proposal unacceptable).</summary>
    public IReadOnlyList<TransformType> OtherTransforms { get; init; } = [];

    /// <summary>A copy with another lifetime (the controller sends the time left, draft §3.3.1).</summary>
    public MpsaPut WithLifetime(uint seconds) =>
        new(Spi, Encr, EncrKeyBits, Integ, Prf, Nonce, SecretBytes.CopyFrom(SkD.Span), seconds, Rollover1Seconds, Rollover2Seconds);

    public void Dispose()
    {
        SkD.Dispose();
        _encoded?.Dispose();
    }

    private SecretBytes? _encoded;   // the Notification Data, encoded once: the controller sends one MpsaPut to many members

    /// <summary>Encodes N(MPSA_PUT). The returned payload holds SK_d: zero its Data once the message is sealed.</summary>
    public NotifyPayload ToNotify()
    {
        _encoded ??= Encode();
        return new NotifyPayload(ProtocolId.ESP, NotifyType.MPSA_PUT, Seconds(Spi.Value), _encoded.Span.ToArray());
    }

    private SecretBytes Encode()
    {
        var transforms = new List<TransformSubstructure>
        {
            EncrKeyBits is int bits
                ? TransformSubstructure.WithKeyLength(TransformType.ENCR, (ushort)Encr, bits)
                : new TransformSubstructure(TransformType.ENCR, (ushort)Encr),
            new(TransformType.PRF, (ushort)Prf),
        };
        if (Integ != IntegId.NONE)
        {
            transforms.Add(new TransformSubstructure(TransformType.INTEG, (ushort)Integ));
        }
        transforms.Add(Valued(TransformType.NONCE, TransformAttributeType.NonceValue, Nonce));
        byte[] skD = KeyMaterialCopies.Of(SkD.Span);
        using var zeroSkD = new ZeroOnDispose(skD);
        transforms.Add(Valued(TransformType.SKD, TransformAttributeType.SkDValue, skD));
        transforms.Add(Valued(TransformType.LIFE, TransformAttributeType.LifetimeValue, Seconds(LifetimeSeconds)));
        transforms.Add(Valued(TransformType.ROLL1, TransformAttributeType.Rollover1Value, Seconds(Rollover1Seconds)));
        transforms.Add(Valued(TransformType.ROLL2, TransformAttributeType.Rollover2Value, Seconds(Rollover2Seconds)));

        var proposal = new ProposalSubstructure(1, ProtocolId.ESP, Seconds(Spi.Value), transforms);
        var data = new SecretBytes(proposal.Length);
        var w = new IkeWriter(data.WritableSpan);
        proposal.Encode(ref w, isLast: true);
        return data;
    }

    private static TransformSubstructure Valued(TransformType type, TransformAttributeType attribute, byte[] value) =>
        new(type, MpsaTransformId, [TransformAttribute.Tlv(attribute, value)]);

    private static byte[] Seconds(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>
    /// Strict decode of N(MPSA_PUT); throws <see cref="IkeParseException"/> naming what is wrong. Consumes
    /// <paramref name="notify"/>: its Data and the SK_d values decoded from it are zeroed, also when this throws.
    /// </summary>
    public static MpsaPut Decode(NotifyPayload notify)
    {
        using var zeroData = new ZeroOnDispose(notify.Data);
        if (notify.NotifyType != NotifyType.MPSA_PUT)
        {
            IkeParse.Fail(IkeParseError.BadValue, "MPSA_PUT notify type", 0);
        }
        if (notify.ProtocolId != ProtocolId.ESP || notify.Spi.Length != 4)
        {
            IkeParse.Fail(IkeParseError.BadValue, "MPSA_PUT notify protocol/SPI size", 0);
        }
        var r = new IkeReader(notify.Data);
        var proposal = ProposalSubstructure.Decode(ref r, expectLast: true);
        using var zeroSkD = new ZeroOnDispose(proposal, TransformType.SKD);
        r.ExpectEnd("MPSA_PUT notification data");
        if (proposal.ProtocolId != ProtocolId.ESP || proposal.Spi.Length != 4)
        {
            IkeParse.Fail(IkeParseError.BadValue, "MPSA_PUT proposal protocol/SPI size", 0);
        }
        if (!proposal.Spi.AsSpan().SequenceEqual(notify.Spi))
        {
            IkeParse.Fail(IkeParseError.InconsistentSpi, "MPSA_PUT SPI (Notify vs proposal)", 0);
        }

        var seen = new HashSet<TransformType>();
        for (int i = 0; i < proposal.Transforms.Count; i++)
        {
            var t = proposal.Transforms[i];
            if (!seen.Add(t.TransformType))
            {
                IkeParse.Fail(IkeParseError.BadValue, $"MPSA_PUT duplicate {t.TransformType} transform", 0);
            }
        }

        var other = new List<TransformType>();
        for (int i = 0; i < proposal.Transforms.Count; i++)
        {
            var t = proposal.Transforms[i];
            if (!IsMpsaTransform(t.TransformType))
            {
                other.Add(t.TransformType);
            }
        }
        var encr = Required(proposal, TransformType.ENCR);
        var prf = Required(proposal, TransformType.PRF);
        var integ = proposal.Find(TransformType.INTEG);
        // ENCR may carry one attribute, its TV Key Length; PRF and INTEG none.
        if (encr.Attributes is not ([] or [{ AttributeType: TransformAttributeType.KeyLength, IsTv: true }])
            || prf.Attributes.Count != 0 || integ?.Attributes.Count > 0)
        {
            IkeParse.Fail(IkeParseError.BadValue, "MPSA_PUT algorithm transform attributes", 0);
        }

        byte[] nonce = Value(proposal, TransformType.NONCE, TransformAttributeType.NonceValue);
        if (nonce.Length is < NoncePayload.MinLength or > NoncePayload.MaxLength)
        {
            IkeParse.Fail(IkeParseError.BadValue, "MPSA_PUT nonce length (16-256 octets)", 0);
        }
        byte[] skD = Value(proposal, TransformType.SKD, TransformAttributeType.SkDValue);
        var prfId = (PrfId)prf.TransformId;
        try
        {
            int? expected = PrfKeyLength(prfId);
            if (skD.Length == 0 || (expected is int n && skD.Length != n))
            {
                IkeParse.Fail(IkeParseError.BadValue, "MPSA_PUT SK_d length (PRF key length)", 0);
            }
            return new MpsaPut(
                new EspSpi(BinaryPrimitives.ReadUInt32BigEndian(notify.Spi)),
                (EncrId)encr.TransformId,
                encr.KeyLengthBits,
                integ is null ? IntegId.NONE : (IntegId)integ.TransformId,
                prfId,
                nonce,
                SecretBytes.CopyFrom(skD),
                FourOctets(proposal, TransformType.LIFE, TransformAttributeType.LifetimeValue),
                FourOctets(proposal, TransformType.ROLL1, TransformAttributeType.Rollover1Value),
                FourOctets(proposal, TransformType.ROLL2, TransformAttributeType.Rollover2Value))
            {
                OtherTransforms = other,
            };
        }
        finally
        {
            Array.Clear(skD);
        }
    }

    /// <summary>Preferred key length of the PRF (RFC 7296 §2.13, draft §3.2.2: SK_d has the PRF's key length); null if unknown.</summary>
    public static int? PrfKeyLength(PrfId prf) => prf switch
    {
        PrfId.PRF_HMAC_MD5 => 16,
        PrfId.PRF_HMAC_SHA1 => 20,
        PrfId.PRF_AES128_XCBC => 16,
        PrfId.PRF_HMAC_SHA2_256 => 32,
        PrfId.PRF_HMAC_SHA2_384 => 48,
        PrfId.PRF_HMAC_SHA2_512 => 64,
        _ => null,
    };

    private static bool IsMpsaTransform(TransformType type) => type is TransformType.ENCR or TransformType.PRF
        or TransformType.INTEG or TransformType.NONCE or TransformType.SKD or TransformType.LIFE or TransformType.ROLL1
        or TransformType.ROLL2;

    private static TransformSubstructure Required(ProposalSubstructure proposal, TransformType type) =>
        proposal.Find(type) ?? IkeParse.Fail<TransformSubstructure>(IkeParseError.MissingPayload, $"MPSA_PUT {type} transform", 0);

    private static byte[] Value(ProposalSubstructure proposal, TransformType type, TransformAttributeType attribute)
    {
        var t = Required(proposal, type);
        if (t.TransformId != MpsaTransformId || t.Attributes.Count != 1 || t.Attributes[0].IsTv)
        {
            IkeParse.Fail(IkeParseError.BadValue, $"MPSA_PUT {type} transform", 0);
        }
        var a = t.Attributes[0];
        // The transform type decides; the ROLL attributes may carry the figure's 16386 (see remarks).
        bool figureSlip = type is TransformType.ROLL1 or TransformType.ROLL2 && a.AttributeType == TransformAttributeType.LifetimeValue;
        if (a.AttributeType != attribute && !figureSlip)
        {
            IkeParse.Fail(IkeParseError.BadValue, $"MPSA_PUT {type} attribute type", 0);
        }
        return a.TlvValue!;
    }

    private static uint FourOctets(ProposalSubstructure proposal, TransformType type, TransformAttributeType attribute)
    {
        byte[] value = Value(proposal, type, attribute);
        return value.Length == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(value)
            : IkeParse.Fail<uint>(IkeParseError.BadValue, $"MPSA_PUT {type} value length (4 octets)", 0);
    }

    public override string ToString() =>
        $"MPSA_PUT spi={Spi} encr={EnumText.Of(Encr)}{(EncrKeyBits is int b ? "/" + b : "")} integ={EnumText.Of(Integ)} prf={EnumText.Of(Prf)} life={LifetimeSeconds}s roll1={Rollover1Seconds}s roll2={Rollover2Seconds}s";
}
