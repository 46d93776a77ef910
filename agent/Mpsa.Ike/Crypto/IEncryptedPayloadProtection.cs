using System.Security.Cryptography;

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
    /// Gives the inner payloads with padding removed in the calling thread's pinned scratch buffer: decode them, then zero
    /// them (<see cref="CryptographicOperations.ZeroMemory"/>) before this thread seals or opens again. False when the
    /// ICV/tag does not verify or the padding is malformed (nothing is left in the scratch then). Never throws for bad input.
    /// </summary>
    bool TryOpen(ReadOnlySpan<byte> message, int bodyOffset, out Span<byte> payloads);

    /// <summary>
    /// <see cref="TryOpen"/> into a new pinned array (zero it when it carries key material), or null; for tests and
    /// tools: the packet path uses <see cref="TryOpen"/>, which allocates nothing per message.
    /// </summary>
    byte[]? Open(ReadOnlySpan<byte> message, int bodyOffset)
    {
        if (!TryOpen(message, bodyOffset, out var payloads))
        {
            return null;
        }
        try
        {
            byte[] copy = GC.AllocateArray<byte>(payloads.Length, pinned: true);
            payloads.CopyTo(copy);
            return copy;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payloads);
        }
    }
}
