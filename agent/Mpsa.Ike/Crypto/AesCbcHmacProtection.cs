using System.Security.Cryptography;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// ENCR_AES_CBC (RFC 3602 as used by RFC 7296 §3.14) with an HMAC INTEG: encrypt, then MAC the whole message.
/// <code>
/// SK body = IV (16, random) | AES-CBC(IKE payloads | Padding | Pad Length) | ICV
/// ICV = HMAC(SK_a, IKE header .. end of ciphertext), truncated
/// </code>
/// The sender pads with zeros to the 16-byte block (the minimum); the receiver accepts any pad length that fits
/// and ignores the padding's content (RFC 7296 §3.14). AES is System.Security.Cryptography (libssl).
/// </summary>
internal sealed class AesCbcHmacProtection : IEncryptedPayloadProtection
{
    private const int BlockLength = 16;

    private readonly Aes _aes;
    private readonly SecretBytes _integKey;
    private readonly IntegId _integ;
    private readonly IRandom _random;
    private bool _disposed;

    public AesCbcHmacProtection(ReadOnlySpan<byte> encrKey, IntegId integ, ReadOnlySpan<byte> integKey, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _integ = integ;
        IcvLength = Integrity.IcvLength(integ);
        _random = random;
        _integKey = SecretBytes.CopyFrom(integKey);
        _aes = Aes.Create();
        _aes.SetKey(encrKey);
    }

    public int IvLength => BlockLength;

    public int IcvLength { get; }

    public int BodyLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return BlockLength + PaddedLength(plaintextLength) + IcvLength;
    }

    public void Seal(Span<byte> message, int bodyOffset, ReadOnlySpan<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int bodyLength = BodyLength(plaintext.Length);
        if (bodyOffset < 0 || bodyOffset > message.Length || message.Length - bodyOffset < bodyLength)
        {
            throw new ArgumentException("The message has no room for the SK payload body.", nameof(message));
        }

        Span<byte> body = message.Slice(bodyOffset, bodyLength);
        Span<byte> iv = body[..BlockLength];
        _random.Fill(iv);

        int padded = PaddedLength(plaintext.Length);
        Span<byte> inner = PinnedScratch.Rent(padded);
        try
        {
            plaintext.CopyTo(inner);
            inner[plaintext.Length..].Clear();
            inner[^1] = (byte)(padded - plaintext.Length - 1);
            _aes.EncryptCbc(inner, iv, body.Slice(BlockLength, padded), PaddingMode.None);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inner);
        }

        int icvStart = bodyOffset + BlockLength + padded;
        Integrity.ComputeIcv(_integ, _integKey.Span, message[..icvStart], message.Slice(icvStart, IcvLength));
    }

    public bool TryOpen(ReadOnlySpan<byte> message, int bodyOffset, out Span<byte> payloads)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        payloads = default;
        if (bodyOffset < 0 || bodyOffset > message.Length)
        {
            return false;
        }

        int ciphertextLength = message.Length - bodyOffset - BlockLength - IcvLength;
        if (ciphertextLength < BlockLength || ciphertextLength % BlockLength != 0)
        {
            return false;
        }

        int icvStart = message.Length - IcvLength;
        Span<byte> expected = stackalloc byte[IcvLength];
        Integrity.ComputeIcv(_integ, _integKey.Span, message[..icvStart], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, message[icvStart..]))
        {
            return false;
        }

        ReadOnlySpan<byte> iv = message.Slice(bodyOffset, BlockLength);
        ReadOnlySpan<byte> ciphertext = message.Slice(bodyOffset + BlockLength, ciphertextLength);
        Span<byte> inner = PinnedScratch.Rent(ciphertextLength);
        _aes.DecryptCbc(ciphertext, iv, inner, PaddingMode.None);
        int padLength = inner[^1];
        if (padLength + 1 > inner.Length)
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
            _aes.Dispose();
            _integKey.Dispose();
        }
    }

    private static int PaddedLength(int plaintextLength) => (plaintextLength + 1 + BlockLength - 1) / BlockLength * BlockLength;
}
