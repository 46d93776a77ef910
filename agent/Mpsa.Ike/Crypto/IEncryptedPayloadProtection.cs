namespace Mpsa.Ike.Crypto;

/// <summary>Protection of the SK payload (RFC 7296 §3.14, RFC 5282, RFC 7634) in one direction.</summary>
public interface IEncryptedPayloadProtection : IDisposable
{
    int IvLength { get; }

    int IcvLength { get; }

    /// <summary>Length of the SK payload body (IV | encrypted(plaintext | padding | pad length) | ICV).</summary>
    int BodyLength(int plaintextLength);

    /// <summary>message[..bodyOffset] holds the final IKE header and SK generic payload header; writes the body after it.</summary>
    void Seal(Span<byte> message, int bodyOffset, ReadOnlySpan<byte> plaintext);

    /// <summary>The inner payloads, or null when the ICV does not verify or the padding is malformed.</summary>
    byte[]? Open(ReadOnlySpan<byte> message, int bodyOffset);
}
