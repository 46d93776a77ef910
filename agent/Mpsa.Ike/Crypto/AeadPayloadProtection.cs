using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// SK payload framing for the AEAD ciphers with a 4-byte salt and an 8-byte explicit IV: AES-GCM with a 16-byte ICV
/// (RFC 5282) and ChaCha20-Poly1305 (RFC 7634 §4). Nonce = salt | IV (RFC 5282 §4 after RFC 4106 §4; RFC 7634 §2),
/// the salt being the last 4 bytes of SK_e. AAD = IKE header through the SK payload header (RFC 5282 §5.1).
/// No alignment is needed, so the sender adds no padding (pad length 0, as in RFC 7634 Appendix B); the receiver
/// accepts any pad length that fits (RFC 7296 §3.14).
/// The IV is a 64-bit counter starting at a value from <see cref="IRandom"/>: it never repeats under one key
/// (RFC 5282 §3.1: "MUST NOT use the same IV value twice with the same key").
/// </summary>
internal abstract class AeadPayloadProtection : IEncryptedPayloadProtection
{
    public const int SaltLength = 4;
    private const int ExplicitIvLength = 8;
    private const int TagLength = 16;
    private const int NonceLength = SaltLength + ExplicitIvLength;

    private readonly SecretBytes _keyAndSalt;   // SK_e whole: one pinned allocation, not one for the key and one for the salt
    private ulong _nextIv;
    private ulong _ivsLeft = ulong.MaxValue;
    private bool _disposed;

    /// <param name="encrKey">SK_e: the cipher's key of <paramref name="keyLength"/> bytes, then the 4-byte salt.</param>
    protected AeadPayloadProtection(ReadOnlySpan<byte> encrKey, int keyLength, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (encrKey.Length - keyLength != SaltLength)
        {
            throw new ArgumentException("The AEAD salt is 4 bytes.", nameof(encrKey));
        }

        _keyAndSalt = SecretBytes.CopyFrom(encrKey);
        Span<byte> start = stackalloc byte[ExplicitIvLength];
        random.Fill(start);
        _nextIv = BinaryPrimitives.ReadUInt64BigEndian(start);
    }

    /// <summary>SK_e without its salt.</summary>
    protected ReadOnlySpan<byte> Key => _keyAndSalt.Span[..^SaltLength];

    public int IvLength => ExplicitIvLength;

    public int IcvLength => TagLength;

    public int BodyLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return ExplicitIvLength + plaintextLength + 1 + TagLength;
    }

    public void Seal(Span<byte> message, int bodyOffset, ReadOnlySpan<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int bodyLength = BodyLength(plaintext.Length);
        if (bodyOffset < 0 || bodyOffset > message.Length || message.Length - bodyOffset < bodyLength)
        {
            throw new ArgumentException("The message has no room for the SK payload body.", nameof(message));
        }

        if (_ivsLeft == 0)
        {
            throw new InvalidOperationException("Every IV of this key has been used: rekey the IKE SA.");
        }

        _ivsLeft--;
        Span<byte> body = message.Slice(bodyOffset, bodyLength);
        BinaryPrimitives.WriteUInt64BigEndian(body, _nextIv);
        _nextIv = unchecked(_nextIv + 1);

        Span<byte> nonce = stackalloc byte[NonceLength];
        _keyAndSalt.Span[^SaltLength..].CopyTo(nonce);
        body[..ExplicitIvLength].CopyTo(nonce[SaltLength..]);

        // Encrypted part: IKE payloads | Padding (none) | Pad Length (0).
        Span<byte> inner = PinnedScratch.Rent(plaintext.Length + 1);
        try
        {
            plaintext.CopyTo(inner);
            inner[^1] = 0;
            Encrypt(nonce, message[..bodyOffset], inner, body[ExplicitIvLength..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inner);
        }
    }

    public bool TryOpen(ReadOnlySpan<byte> message, int bodyOffset, out Span<byte> payloads)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        payloads = default;
        if (bodyOffset < 0 || bodyOffset > message.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> body = message[bodyOffset..];
        if (body.Length < ExplicitIvLength + 1 + TagLength)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[NonceLength];
        _keyAndSalt.Span[^SaltLength..].CopyTo(nonce);
        body[..ExplicitIvLength].CopyTo(nonce[SaltLength..]);

        Span<byte> inner = PinnedScratch.Rent(body.Length - ExplicitIvLength - TagLength);
        int padLength = -1;
        if (Decrypt(nonce, message[..bodyOffset], body[ExplicitIvLength..], inner))
        {
            padLength = inner[^1];
        }
        if (padLength < 0 || padLength + 1 > inner.Length)
        {
            CryptographicOperations.ZeroMemory(inner);
            return false;
        }

        payloads = inner[..^(padLength + 1)];
        CryptographicOperations.ZeroMemory(inner[payloads.Length..]);
        return true;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _keyAndSalt.Dispose();
            DisposeKey();
        }
    }

    /// <summary>Writes ciphertext | 16-byte tag (exactly plaintext.Length + 16 bytes).</summary>
    protected abstract void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag);

    /// <summary>False when the tag does not verify; never throws for that.</summary>
    protected abstract bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext);

    protected abstract void DisposeKey();
}
