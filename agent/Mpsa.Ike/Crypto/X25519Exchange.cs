using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Group 31, Curve25519 (RFC 8031): KE data is the 32-byte X25519 public value (RFC 8031 §2), g^ir the 32-byte
/// X25519 output. libsodium's <c>crypto_scalarmult_curve25519</c> (<see cref="Libsodium"/>): no libssl. The private
/// value is 32 bytes from <see cref="IRandom"/> in pinned <see cref="SecretBytes"/> (RFC 7748 §6.1: libsodium clamps it).
/// </summary>
internal sealed class X25519Exchange : IDhExchange
{
    public const int Length = 32;

    private readonly SecretBytes _privateKey = new(Length);

    public X25519Exchange(IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        random.Fill(_privateKey.WritableSpan);
        PublicValue = new byte[Length];
        Libsodium.X25519Base(_privateKey.Span, PublicValue);
    }

    public DhGroup Group => DhGroup.CURVE25519;

    public byte[] PublicValue { get; }

    public SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        if (peerPublicValue.Length != Length)
        {
            return null;
        }
        var shared = new SecretBytes(Length);
        // All zeros means a low-order peer point (RFC 7748 §6.1): fail the exchange.
        if (!Libsodium.X25519(_privateKey.Span, peerPublicValue, shared.WritableSpan))
        {
            shared.Dispose();
            return null;
        }
        return shared;
    }

    public void Dispose() => _privateKey.Dispose();
}
