using NSec.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>ENCR_CHACHA20_POLY1305 for the SK payload (RFC 7634 §4): NSec / libsodium, no libssl. SK_e = 32-byte key | 4-byte salt.</summary>
internal sealed class ChaCha20Poly1305Protection : AeadPayloadProtection
{
    public const int KeyLength = 32;

    private readonly Key _key;

    public ChaCha20Poly1305Protection(ReadOnlySpan<byte> encrKey, IRandom random)
        : base(encrKey[KeyLength..], random)
    {
        _key = Key.Import(AeadAlgorithm.ChaCha20Poly1305, encrKey[..KeyLength], KeyBlobFormat.RawSymmetricKey);
    }

    protected override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag) =>
        AeadAlgorithm.ChaCha20Poly1305.Encrypt(_key, nonce, aad, plaintext, ciphertextAndTag);

    protected override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext) =>
        AeadAlgorithm.ChaCha20Poly1305.Decrypt(_key, nonce, aad, ciphertextAndTag, plaintext);

    protected override void DisposeKey() => _key.Dispose();
}
