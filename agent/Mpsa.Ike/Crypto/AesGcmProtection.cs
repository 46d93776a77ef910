using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>ENCR_AES_GCM_16 for the SK payload (RFC 5282): System.Security.Cryptography (libssl). SK_e = AES key | 4-byte salt.</summary>
internal sealed class AesGcmProtection : AeadPayloadProtection
{
    private const int TagLength = 16;

    private readonly AesGcm _aes;

    public AesGcmProtection(ReadOnlySpan<byte> encrKey, IRandom random)
        : base(encrKey, encrKey.Length - SaltLength, random)
    {
        _aes = new AesGcm(encrKey[..^SaltLength], TagLength);
    }

    protected override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag) =>
        _aes.Encrypt(nonce, plaintext, ciphertextAndTag[..plaintext.Length], ciphertextAndTag[plaintext.Length..], aad);

    protected override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext)
    {
        try
        {
            _aes.Decrypt(nonce, ciphertextAndTag[..^TagLength], ciphertextAndTag[^TagLength..], plaintext, aad);
            return true;
        }
        catch (CryptographicException)
        {
            // AuthenticationTagMismatchException (plaintext is zeroed by AesGcm).
            return false;
        }
    }

    protected override void DisposeKey() => _aes.Dispose();
}
