using System.Security.Cryptography;
using Mpsa.Ike.Crypto;

namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3 message: header and payload chain. The SK payload, if any, is last (§3.14).</summary>
public sealed class IkeMessage
{
    /// <summary>Bound on payloads per message (and per SK plaintext); more is treated as hostile.</summary>
    public const int MaxPayloads = 64;

    private const int GenericHeaderLength = 4;
    private const byte CriticalBit = 0x80;

    public IkeMessage(IkeHeader header, IReadOnlyList<IPayload> payloads, EncryptedPayload? encrypted = null)
    {
        Header = header;
        Payloads = payloads;
        Encrypted = encrypted;
    }

    public IkeHeader Header { get; }

    /// <summary>Cleartext payloads; for a protected message, the inner ones after <see cref="WithInner"/>.</summary>
    public IReadOnlyList<IPayload> Payloads { get; }

    /// <summary>The SK payload's place in the datagram, when the message has one.</summary>
    public EncryptedPayload? Encrypted { get; }

    public T? Find<T>() where T : class, IPayload => Find<T>(static _ => true);

    /// <summary>The first payload of type <typeparamref name="T"/> that matches, or null.</summary>
    public T? Find<T>(Predicate<T> match) where T : class, IPayload => Find(static (T t, Predicate<T> match) => match(t), match);

    /// <summary>The first payload of type <typeparamref name="T"/> that matches with <paramref name="arg"/> (a static
    /// <paramref name="match"/>: no closure per call), or null.</summary>
    private T? Find<T, TArg>(Func<T, TArg, bool> match, TArg arg) where T : class, IPayload
    {
        for (int i = 0; i < Payloads.Count; i++)
        {
            if (Payloads[i] is T t && match(t, arg))
            {
                return t;
            }
        }
        return null;
    }

    public List<T> All<T>() where T : class, IPayload => All<T>(static _ => true);

    /// <summary>The payloads of type <typeparamref name="T"/> that match, in message order.</summary>
    public List<T> All<T>(Predicate<T> match) where T : class, IPayload
    {
        var all = new List<T>();
        for (int i = 0; i < Payloads.Count; i++)
        {
            var p = Payloads[i];
            if (p is T t && match(t))
            {
                all.Add(t);
            }
        }
        return all;
    }

    public IdentificationPayload? FindId(PayloadType type) => Find(static (IdentificationPayload p, PayloadType type) => p.Type == type, type);

    public TrafficSelectorPayload? FindTs(PayloadType type) => Find(static (TrafficSelectorPayload p, PayloadType type) => p.Type == type, type);

    public NotifyPayload? FindNotify(NotifyType type) => Find(static (NotifyPayload n, NotifyType type) => n.NotifyType == type, type);

    /// <summary>Decodes a datagram; the only place a parse error becomes a value.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> datagram, out IkeMessage message, out IkeParseException? error)
    {
        try
        {
            message = Decode(datagram);
            error = null;
            return true;
        }
        catch (IkeParseException e)
        {
            message = null!;
            error = e;
            return false;
        }
    }

    public static IkeMessage Decode(ReadOnlySpan<byte> datagram)
    {
        var r = new IkeReader(datagram);
        var header = IkeHeader.Decode(ref r, datagram.Length);
        var payloads = DecodeChain(header.NextPayload, ref r, allowEncrypted: true, out var encrypted);
        return new IkeMessage(header, payloads, encrypted);
    }

    /// <summary>Decrypts one Encrypted Fragment (RFC 7383 §2.5) into a copy of its part of the inner payloads; null when
    /// its ICV fails.</summary>
    public byte[]? TryOpenFragment(ReadOnlySpan<byte> datagram, IEncryptedPayloadProtection protection)
    {
        if (Encrypted is not { IsFragment: true } fragment || !protection.TryOpen(datagram, fragment.BodyOffset, out var plaintext))
        {
            return null;
        }
        byte[] part = plaintext.ToArray();
        CryptographicOperations.ZeroMemory(plaintext);
        return part;
    }

    /// <summary>The message a complete set of fragments makes: the inner chain decoded from their plaintext, in order.</summary>
    public IkeMessage WithReassembled(PayloadType firstInner, byte[] plaintext)
    {
        try
        {
            var r = new IkeReader(plaintext, 0);
            var payloads = DecodeChain(firstInner, ref r, allowEncrypted: false, out _);
            return WithInner(payloads);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Decrypts the SK payload and decodes the inner chain; false when the ICV fails (drop silently, RFC 7296 §2.21).</summary>
    public bool TryOpen(ReadOnlySpan<byte> datagram, IEncryptedPayloadProtection protection, out IkeMessage inner)
    {
        inner = this;
        if (Encrypted is null or { IsFragment: true })
        {
            return false;
        }
        if (!protection.TryOpen(datagram, Encrypted.BodyOffset, out var plaintext))
        {
            return false;
        }
        try
        {
            // The payloads copy out what they keep; the plaintext (the SK_d of an MPSA_PUT) is zeroed here.
            var r = new IkeReader(plaintext, Encrypted.BodyOffset + protection.IvLength);
            var payloads = DecodeChain(Encrypted.FirstInnerPayload, ref r, allowEncrypted: false, out _);
            inner = WithInner(payloads);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public IkeMessage WithInner(IReadOnlyList<IPayload> inner) => new(Header, [.. Payloads, .. inner], Encrypted);

    private static List<IPayload> DecodeChain(PayloadType first, ref IkeReader r, bool allowEncrypted, out EncryptedPayload? encrypted)
    {
        encrypted = null;
        var payloads = new List<IPayload>();
        var next = first;
        try
        {
            while (next != PayloadType.NoNextPayload)
            {
                if (payloads.Count >= MaxPayloads)
                {
                    IkeParse.Fail(IkeParseError.TooManyPayloads, "payload chain", r.Offset);
                }
                int at = r.Offset;
                var type = next;
                next = (PayloadType)r.ReadUInt8("generic payload header next payload");
                bool critical = (r.ReadUInt8("generic payload header flags") & CriticalBit) != 0;
                int length = r.ReadUInt16("generic payload header length");
                var body = r.SubByLength(length, GenericHeaderLength, PayloadContext(type), at);
                if (type is PayloadType.SK or PayloadType.SKF)
                {
                    if (!allowEncrypted)
                    {
                        IkeParse.Fail(IkeParseError.BadValue, $"{type} payload inside SK payload", at);
                    }
                    // §3.14: the Encrypted payload, when present, MUST be the last payload; its Next Payload names
                    // the first inner one. RFC 7383 §2.5: so is the Encrypted Fragment payload, numbered.
                    r.ExpectEnd(type == PayloadType.SK ? "payloads after SK payload" : "payloads after SKF payload");
                    if (type == PayloadType.SK)
                    {
                        encrypted = new EncryptedPayload(next, body.Offset, body.Remaining);
                        return payloads;
                    }
                    int number = body.ReadUInt16("SKF fragment number");
                    int total = body.ReadUInt16("SKF total fragments");
                    encrypted = new EncryptedPayload(next, body.Offset, body.Remaining, number, total);
                    return payloads;
                }
                var payload = DecodeBody(type, critical, ref body, at);
                body.ExpectEnd(PayloadContext(type));
                payloads.Add(payload);
            }
            r.ExpectEnd("message after last payload");
            return payloads;
        }
        catch
        {
            // A chain that fails to decode is dropped unread: the key material decoded so far goes with it.
            ZeroKeyMaterial(payloads);
            throw;
        }
    }

    private static readonly string?[] PayloadContexts = new string?[256];

    /// <summary>"{type} payload", the context of a parse error, made once per type (not per payload decoded).</summary>
    private static string PayloadContext(PayloadType type) => PayloadContexts[(byte)type] ??= $"{type} payload";

    /// <summary>
    /// Zeroes the key material in <paramref name="payloads"/> (the Notification Data of N(MPSA_PUT), SK_d): once they
    /// are sealed (<see cref="EncodeEncrypted"/>), or decoded into what keeps the key.
    /// </summary>
    internal static void ZeroKeyMaterial(IReadOnlyList<IPayload> payloads)
    {
        for (int i = 0; i < payloads.Count; i++)
        {
            if (payloads[i] is NotifyPayload n)
            {
                n.ZeroKeyMaterial();
            }
        }
    }

    private static IPayload DecodeBody(PayloadType type, bool critical, ref IkeReader body, int at) => type switch
    {
        PayloadType.SA => SecurityAssociationPayload.Decode(ref body),
        PayloadType.KE => KeyExchangePayload.Decode(ref body),
        PayloadType.IDi or PayloadType.IDr => IdentificationPayload.Decode(type, ref body),
        PayloadType.CERT => CertificatePayload.Decode(ref body),
        PayloadType.CERTREQ => CertificateRequestPayload.Decode(ref body),
        PayloadType.AUTH => AuthenticationPayload.Decode(ref body),
        PayloadType.NONCE => NoncePayload.Decode(ref body),
        PayloadType.N => NotifyPayload.Decode(ref body),
        PayloadType.D => DeletePayload.Decode(ref body),
        PayloadType.V => VendorIdPayload.Decode(ref body),
        PayloadType.TSi or PayloadType.TSr => TrafficSelectorPayload.Decode(type, ref body),
        // RFC 7296 §2.5: an unrecognised payload with the critical bit rejects the whole message.
        _ when critical => throw new IkeParseException(IkeParseError.UnsupportedCriticalPayload, $"payload type {(byte)type}", at, (byte)type),
        _ => new UnknownPayload(type, body.TakeRest().ToArray()),
    };

    /// <summary>Encodes a cleartext message; the header's NextPayload and Length are computed.</summary>
    public static byte[] Encode(IkeHeader header, IReadOnlyList<IPayload> payloads)
    {
        int length = IkeHeader.Size + ChainLength(payloads);
        var bytes = new byte[length];
        var w = new IkeWriter(bytes);
        (header with { NextPayload = FirstType(payloads), Length = (uint)length }).Encode(ref w);
        EncodeChain(ref w, payloads);
        return bytes;
    }

    /// <summary>
    /// Encodes HDR, SK { inner } (RFC 7296 §3.14). The inner payloads (an MPSA_PUT's SK_d among them) are laid out in
    /// this thread's pinned scratch and zeroed there once sealed: what comes back, and what stays, is ciphertext.
    /// </summary>
    public static byte[] EncodeEncrypted(IkeHeader header, IReadOnlyList<IPayload> inner, IEncryptedPayloadProtection protection)
    {
        int plaintextLength = ChainLength(inner);
        int bodyLength = protection.BodyLength(plaintextLength);
        int length = IkeHeader.Size + GenericHeaderLength + bodyLength;
        var bytes = new byte[length];
        var w = new IkeWriter(bytes);
        (header with { NextPayload = PayloadType.SK, Length = (uint)length }).Encode(ref w);
        w.WriteUInt8((byte)FirstType(inner));
        w.WriteUInt8(0);
        w.WriteUInt16(checked((ushort)(GenericHeaderLength + bodyLength)));
        Span<byte> plaintext = PinnedScratch.RentForEncoding(plaintextLength);
        try
        {
            var pw = new IkeWriter(plaintext);
            EncodeChain(ref pw, inner);
            protection.Seal(bytes, w.Position, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
        return bytes;
    }

    /// <summary>
    /// Encodes HDR, SKF { inner } as Encrypted Fragments (RFC 7383 §2.5) of at most <paramref name="maxLength"/> octets
    /// each: the inner payloads are laid out once, cut into pieces, and each piece is sealed on its own, the Fragment
    /// Number and Total Fragments fields inside what the ICV covers. Fragment 1's Next Payload names the first inner
    /// payload, the others' are 0.
    /// </summary>
    public static List<byte[]> EncodeFragments(IkeHeader header, IReadOnlyList<IPayload> inner, IEncryptedPayloadProtection protection, int maxLength)
    {
        const int fragmentFields = 4;
        int overhead = IkeHeader.Size + GenericHeaderLength + fragmentFields;
        int plaintextLength = ChainLength(inner);
        int chunk = maxLength - overhead - protection.IvLength - protection.IcvLength;
        while (chunk > 1 && overhead + protection.BodyLength(chunk) > maxLength)
        {
            chunk--;
        }
        if (chunk < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"no room for a fragment in {maxLength} octets");
        }
        int total = (plaintextLength + chunk - 1) / chunk;
        var fragments = new List<byte[]>(total);
        Span<byte> plaintext = PinnedScratch.RentForEncoding(plaintextLength);
        try
        {
            var pw = new IkeWriter(plaintext);
            EncodeChain(ref pw, inner);
            for (int i = 0; i < total; i++)
            {
                var part = plaintext.Slice(i * chunk, Math.Min(chunk, plaintextLength - (i * chunk)));
                int bodyLength = protection.BodyLength(part.Length);
                int length = overhead + bodyLength;
                var bytes = new byte[length];
                var w = new IkeWriter(bytes);
                (header with { NextPayload = PayloadType.SKF, Length = (uint)length }).Encode(ref w);
                w.WriteUInt8((byte)(i == 0 ? FirstType(inner) : PayloadType.NoNextPayload));
                w.WriteUInt8(0);
                w.WriteUInt16(checked((ushort)(GenericHeaderLength + fragmentFields + bodyLength)));
                w.WriteUInt16((ushort)(i + 1));
                w.WriteUInt16((ushort)total);
                protection.Seal(bytes, w.Position, part);
                fragments.Add(bytes);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
        return fragments;
    }

    /// <summary>
    /// The IntAuth_A | IntAuth_P octets of an IKE_INTERMEDIATE message (RFC 9242 §3.3.2) as if it had gone in clear:
    /// the IKE header and the Encrypted payload's header, their Length fields counting only the header octets and the
    /// inner payloads, then the inner payloads (re-encoded; no IV, padding or ICV).
    /// </summary>
    public static byte[] IntermediateAuthData(IkeHeader header, IReadOnlyList<IPayload> inner)
    {
        int plainLength = ChainLength(inner);
        int length = IkeHeader.Size + GenericHeaderLength + plainLength;
        var bytes = new byte[length];
        var w = new IkeWriter(bytes);
        (header with { NextPayload = PayloadType.SK, Length = (uint)length }).Encode(ref w);
        w.WriteUInt8((byte)FirstType(inner));
        w.WriteUInt8(0);
        w.WriteUInt16(checked((ushort)(GenericHeaderLength + plainLength)));
        EncodeChain(ref w, inner);
        return bytes;
    }

    /// <summary>The length <see cref="EncodeEncrypted"/> gives these inner payloads, without sealing anything.</summary>
    public static int EncryptedLength(IReadOnlyList<IPayload> inner, IEncryptedPayloadProtection protection) =>
        IkeHeader.Size + GenericHeaderLength + protection.BodyLength(ChainLength(inner));

    private static PayloadType FirstType(IReadOnlyList<IPayload> payloads) => payloads.Count == 0 ? PayloadType.NoNextPayload : payloads[0].Type;

    private static int ChainLength(IReadOnlyList<IPayload> payloads)
    {
        int length = 0;
        for (int i = 0; i < payloads.Count; i++)
        {
            length += GenericHeaderLength + payloads[i].BodyLength;
        }
        return length;
    }

    private static void EncodeChain(ref IkeWriter w, IReadOnlyList<IPayload> payloads)
    {
        for (int i = 0; i < payloads.Count; i++)
        {
            var p = payloads[i];
            w.WriteUInt8((byte)(i + 1 < payloads.Count ? payloads[i + 1].Type : PayloadType.NoNextPayload));
            w.WriteUInt8(0);
            w.WriteUInt16(checked((ushort)(GenericHeaderLength + p.BodyLength)));
            int start = w.Position;
            p.EncodeBody(ref w);
            if (w.Position - start != p.BodyLength)
            {
                throw new InvalidOperationException($"{p.Type} wrote {w.Position - start} bytes, declared {p.BodyLength}");
            }
        }
    }
}
