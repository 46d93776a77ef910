namespace Mpsa.Ike.Crypto;

/// <summary>
/// Protection of the Encrypted (SK) payload in one direction (RFC 7296 §3.14; AEAD per RFC 5282 §3-§5 and RFC 7634 §4).
/// Not thread-safe: one per direction of an IKE SA, used from the driver loop.
/// </summary>
public interface IEncryptedPayloadProtection : IDisposable
{
    int IvLength { get; }

    int IcvLength { get; }

    /// <summary>Length of the SK payload body (IV | encrypted(plaintext | padding | pad length) | ICV) for a plaintext of this length.</summary>
    int BodyLength(int plaintextLength);

    /// <summary>
    /// <paramref name="message"/>[..<paramref name="bodyOffset"/>] holds the final IKE header (its Length already
    /// counting the whole message) and the SK generic payload header; writes IV | ciphertext | ICV into
    /// message[bodyOffset..] (exactly <see cref="BodyLength"/> bytes).
    /// AEAD: AAD = message[..bodyOffset] (RFC 5282 §5.1); CBC+HMAC: ICV = truncated HMAC over message[..(end-ICV)].
    /// </summary>
    void Seal(Span<byte> message, int bodyOffset, ReadOnlySpan<byte> plaintext);

    /// <summary>
    /// <paramref name="message"/> is the whole IKE message, the SK payload last; its body starts at <paramref name="bodyOffset"/>.
    /// Returns the inner payloads with padding removed (a pinned array: zero it when it carries key material), or
    /// null when the ICV/tag does not verify or the padding is malformed. Never throws for bad input.
    /// </summary>
    byte[]? Open(ReadOnlySpan<byte> message, int bodyOffset);
}
