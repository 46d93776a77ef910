namespace Mpsa.Ike.Crypto;

/// <summary>ENCR_CHACHA20_POLY1305 for the SK payload (RFC 7634 §4): libsodium, no libssl. SK_e = 32-byte key | 4-byte salt.
/// The key lives in the base's pinned <see cref="SecretBytes"/>, not in an NSec <c>Key</c> (three memory mappings each; see <see cref="Libsodium"/>).</summary>
internal sealed class ChaCha20Poly1305Protection : AeadPayloadProtection
{
    public const int KeyLength = 32;

    public ChaCha20Poly1305Protection(ReadOnlySpan<byte> encrKey, IRandom random)
        : base(encrKey, KeyLength, random)
    {
    }

    protected override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag) =>
        Libsodium.ChaCha20Poly1305Encrypt(Key, nonce, aad, plaintext, ciphertextAndTag);

    protected override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext) =>
        Libsodium.ChaCha20Poly1305Decrypt(Key, nonce, aad, ciphertextAndTag, plaintext);

    protected override void DisposeKey()
    {
        // the key is the base's SK_e copy, zeroed there
    }
}
