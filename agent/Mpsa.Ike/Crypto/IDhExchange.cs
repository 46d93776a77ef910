using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>One side of one Diffie-Hellman exchange (RFC 7296 §1.2, KE payload §3.4). Owns its private key; dispose it after deriving.</summary>
public interface IDhExchange : IDisposable
{
    DhGroup Group { get; }

    /// <summary>The Key Exchange Data of our KE payload.</summary>
    byte[] PublicValue { get; }

    /// <summary>g^ir, owned by the caller; null when the peer value is invalid (wrong length, out of range, not on the curve, low order).</summary>
    SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue);
}
