using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>The key exchange methods this implementation offers (RFC 7296 §3.3.2 Transform Type 4).</summary>
public static class DiffieHellman
{
    /// <summary>A fresh private key for one exchange.</summary>
    public static IDhExchange Create(DhGroup group, IRandom random) => group switch
    {
        DhGroup.CURVE25519 => new X25519Exchange(random),
        DhGroup.ECP_256 or DhGroup.ECP_384 => new EcpExchange(group, random),
        DhGroup.MODP_2048 => new ModpExchange(random),
        _ => throw new NotSupportedException($"DH group {group} is not supported."),
    };

    /// <summary>Our side of IKE_SA_INIT (either role): on the reused key share where <paramref name="shares"/> has one
    /// for the group (RFC 7296 §2.12, <see cref="KeyShareReuse"/>), else a fresh private key.</summary>
    public static IDhExchange ForSaInit(DhGroup group, IRandom random, KeyShareReuse? shares, MonoTime now) =>
        (IDhExchange?)shares?.TryLease(group, now) ?? Create(group, random);

    /// <summary>The initiator's side of an additional key exchange (RFC 9370): ML-KEM-768, whose KE data is the
    /// encapsulation key; the responder's is <see cref="MlKem768Exchange.Respond"/>.</summary>
    public static IDhExchange CreateAdditional(DhGroup method, IRandom random) => method switch
    {
        DhGroup.ML_KEM_768 => new MlKem768Exchange(random),
        _ => throw new NotSupportedException($"additional key exchange {method} is not supported."),
    };

    /// <summary>The responder's side of an additional key exchange: its KE data for the initiator's
    /// <paramref name="peerValue"/>, and the shared secret; null when that value is invalid.</summary>
    public static SecretBytes? RespondAdditional(DhGroup method, ReadOnlySpan<byte> peerValue, IRandom random, out byte[] ourValue) => method switch
    {
        DhGroup.ML_KEM_768 => MlKem768Exchange.Respond(peerValue, random, out ourValue),
        _ => throw new NotSupportedException($"additional key exchange {method} is not supported."),
    };

    /// <summary>Known to this implementation; MODP-2048 also needs libcrypto.so.3 (<see cref="NeedsOpenSsl"/>).</summary>
    public static bool IsSupported(DhGroup group) =>
        group is DhGroup.CURVE25519 or DhGroup.ECP_256 or DhGroup.ECP_384 or DhGroup.MODP_2048;

    /// <summary>Length of the KE payload's Key Exchange Data (RFC 8031 §2, RFC 5903 §7, RFC 3526 §3 with RFC 7296 §3.4).</summary>
    public static int PublicValueLength(DhGroup group) => group switch
    {
        DhGroup.CURVE25519 => 32,
        DhGroup.ECP_256 => 64,
        DhGroup.ECP_384 => 96,
        DhGroup.MODP_2048 => 256,
        _ => throw new NotSupportedException($"DH group {group} is not supported."),
    };

    /// <summary>
    /// True for the ECP groups (System.Security.Cryptography's ECDiffieHellman) and MODP-2048 (libcrypto's exponentiation;
    /// libssl brings libcrypto). Curve25519 comes from libsodium.
    /// </summary>
    public static bool NeedsOpenSsl(DhGroup group) => group is DhGroup.ECP_256 or DhGroup.ECP_384 or DhGroup.MODP_2048;
}
