using System.Buffers.Binary;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Fuzz;

/// <summary>
/// The fuzz targets: bytes from the wire in, and only <see cref="IkeParseException"/> (or a quiet refusal) may come out.
/// Anything else escaping is a finding. The tests replay the corpus and every past crash through these same methods.
/// </summary>
public static class FuzzTargets
{
    public static readonly string[] Names = ["decode", "sk", "mpsaput"];

    /// <summary>First input byte of "sk" (low bits) picks the suite; the 0x80 bit picks sealing the rest as plaintext.</summary>
    public const byte SealFlag = 0x80;

    public static void Run(string target, ReadOnlySpan<byte> data)
    {
        switch (target)
        {
            case "decode":
                Decode(data);
                break;
            case "sk":
                Sk(data);
                break;
            case "mpsaput":
                MpsaPutNotify(data);
                break;
            default:
                throw new ArgumentException($"unknown fuzz target '{target}' ({string.Join(", ", Names)})", nameof(target));
        }
    }

    /// <summary>The message decoder, as the daemons call it on every datagram.</summary>
    public static void Decode(ReadOnlySpan<byte> datagram)
    {
        _ = IkeHeader.TryPeek(datagram, out _);
        if (IkeMessage.TryDecode(datagram, out var message, out _))
        {
            Touch(message);
        }
    }

    /// <summary>
    /// The SK decryption path. Without <see cref="SealFlag"/> the rest is a datagram opened with the fixed keys
    /// (framing, ICV, padding); with it, the rest is [first inner payload type][inner plaintext], sealed here and
    /// opened again so that a member holding the keys (a malicious member) reaches the inner decoder.
    /// </summary>
    public static void Sk(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        var (seal, open) = SkFixture.Protections[(data[0] & 0x7f) % SkFixture.Protections.Length];
        var rest = data[1..];
        byte[] datagram = (data[0] & SealFlag) != 0 && !rest.IsEmpty ? SealInner(seal, rest[0], rest[1..]) : rest.ToArray();
        try
        {
            if (IkeMessage.TryDecode(datagram, out var outer, out _) && outer.TryOpen(datagram, open, out var inner))
            {
                Touch(inner);
            }
        }
        catch (IkeParseException)
        {
            // The inner chain is malformed: the state machine answers INVALID_SYNTAX.
        }
    }

    /// <summary>The MPSA_PUT decoder: [SPI (4)][Notification Data], as an agent receives it inside SK.</summary>
    public static void MpsaPutNotify(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            return;
        }
        var notify = new NotifyPayload(ProtocolId.ESP, NotifyType.MPSA_PUT, data[..4].ToArray(), data[4..].ToArray());
        try
        {
            using var put = MpsaPut.Decode(notify);
            _ = put.ToNotify();
        }
        catch (IkeParseException)
        {
            // Refused with INVALID_SYNTAX (draft §3.3).
        }
    }

    /// <summary>HDR(SPIi, SPIr, INFORMATIONAL, Initiator, ID 1), SK {inner}: the way an established peer sends.</summary>
    public static byte[] SealInner(IEncryptedPayloadProtection seal, byte firstInner, ReadOnlySpan<byte> plaintext)
    {
        int bodyOffset = IkeHeader.Size + 4;
        int length = bodyOffset + seal.BodyLength(plaintext.Length);
        if (length > ushort.MaxValue)
        {
            return [];
        }
        var bytes = new byte[length];
        var w = new IkeWriter(bytes);
        new IkeHeader(SkFixture.SpiI, SkFixture.SpiR, PayloadType.SK, ExchangeType.INFORMATIONAL, IkeFlags.Initiator, 1, (uint)length).Encode(ref w);
        bytes[IkeHeader.Size] = firstInner;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(IkeHeader.Size + 2), (ushort)(length - IkeHeader.Size));
        seal.Seal(bytes, bodyOffset, plaintext);
        return bytes;
    }

    /// <summary>Reads what the exchanges read from a decoded message, so lazy paths run too.</summary>
    private static void Touch(IkeMessage message)
    {
        foreach (var n in message.All<NotifyPayload>())
        {
            if (n.NotifyType == NotifyType.MPSA_PUT)
            {
                try
                {
                    MpsaPut.Decode(n).Dispose();
                }
                catch (IkeParseException)
                {
                    // As the agent: INVALID_SYNTAX.
                }
            }
        }
        foreach (var id in message.All<IdentificationPayload>())
        {
            _ = id.ToText();
        }
        foreach (var ts in message.All<TrafficSelectorPayload>())
        {
            _ = ts.Selectors.Count;
        }
    }

    /// <summary>
    /// The fixed IKE SA of the "sk" target; its corpus is sealed under these keys. A nested class, so that nothing
    /// instrumented runs before SharpFuzz has set up its shared memory.
    /// </summary>
    public static class SkFixture
    {
        public static readonly IkeSpi SpiI = new(0x0102030405060708);
        public static readonly IkeSpi SpiR = new(0x1112131415161718);

        public static readonly IkeSuite[] Suites =
        [
            IkeSuite.Default,
            new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519),
            new(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519),
        ];

        /// <summary>Per suite: the initiator's outbound protection (seals) and the responder's inbound one (opens).</summary>
        public static readonly (IEncryptedPayloadProtection Seal, IEncryptedPayloadProtection Open)[] Protections = [.. Suites.Select(Create)];

        public static (IEncryptedPayloadProtection Seal, IEncryptedPayloadProtection Open) Create(IkeSuite suite)
        {
            // Fixed, public keys: this is a test IKE SA, not a secret.
            byte[] fixedValue = new byte[32];
            Array.Fill(fixedValue, (byte)0x5a);
            using var keys = IkeKeySchedule.Derive(suite, fixedValue, fixedValue, fixedValue, SpiI.Value, SpiR.Value);
            var (initiatorOut, initiatorIn) = keys.CreateProtection(isInitiator: true, SystemRandom.Instance);
            var (responderOut, responderIn) = keys.CreateProtection(isInitiator: false, SystemRandom.Instance);
            initiatorIn.Dispose();
            responderOut.Dispose();
            return (initiatorOut, responderIn);
        }
    }
}
