using System.Security.Cryptography;
using Mpsa.Ike.Wire;
using NSec.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Group 31, Curve25519 (RFC 8031): KE data is the 32-byte X25519 public value (RFC 8031 §2), g^ir the 32-byte
/// X25519 output. NSec / libsodium only: no libssl. The private key is 32 bytes from <see cref="IRandom"/>
/// (RFC 7748 §6.1 clamps them), imported rather than created because NSec's Key.Create loads libssl.
/// </summary>
internal sealed class X25519Exchange : IDhExchange
{
    public const int Length = 32;

    private readonly Key _privateKey;

    public X25519Exchange(IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        using (var seed = new SecretBytes(Length))
        {
            random.Fill(seed.WritableSpan);
            _privateKey = Key.Import(KeyAgreementAlgorithm.X25519, seed.Span, KeyBlobFormat.RawPrivateKey);
        }

        PublicValue = _privateKey.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public DhGroup Group => DhGroup.CURVE25519;

    public byte[] PublicValue { get; }

    public SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        if (peerPublicValue.Length != Length
            || !PublicKey.TryImport(KeyAgreementAlgorithm.X25519, peerPublicValue, KeyBlobFormat.RawPublicKey, out PublicKey? peer)
            || peer is null)
        {
            return null;
        }

        // Agree returns null when the result is all zeros (a low-order peer point, RFC 7748 §6.1).
        using SharedSecret? shared = KeyAgreementAlgorithm.X25519.Agree(
            _privateKey, peer, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        if (shared is null)
        {
            return null;
        }

        byte[] raw = shared.Export(SharedSecretBlobFormat.RawSharedSecret);
        try
        {
            return SecretBytes.CopyFrom(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    public void Dispose() => _privateKey.Dispose();
}
