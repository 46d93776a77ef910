using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// INTEG transforms (RFC 7296 §3.3.2 Type 3): HMAC truncated to the ICV length. Key length = hash output length.
/// AUTH_HMAC_SHA1_96 (RFC 2404), AUTH_HMAC_SHA2_256_128 / _384_192 / _512_256 (RFC 4868 §2.1, §2.3).
/// </summary>
public static class Integrity
{
    public static bool IsSupported(IntegId id) => id is IntegId.AUTH_HMAC_SHA1_96
        or IntegId.AUTH_HMAC_SHA2_256_128 or IntegId.AUTH_HMAC_SHA2_384_192 or IntegId.AUTH_HMAC_SHA2_512_256;

    /// <summary>Key length in bytes; 0 for NONE and for unsupported transforms.</summary>
    public static int KeyLength(IntegId id) => id switch
    {
        IntegId.AUTH_HMAC_SHA1_96 => 20,
        IntegId.AUTH_HMAC_SHA2_256_128 => 32,
        IntegId.AUTH_HMAC_SHA2_384_192 => 48,
        IntegId.AUTH_HMAC_SHA2_512_256 => 64,
        _ => 0,
    };

    /// <summary>ICV (truncated MAC) length in bytes; 0 for NONE and for unsupported transforms.</summary>
    public static int IcvLength(IntegId id) => id switch
    {
        IntegId.AUTH_HMAC_SHA1_96 => 12,
        IntegId.AUTH_HMAC_SHA2_256_128 => 16,
        IntegId.AUTH_HMAC_SHA2_384_192 => 24,
        IntegId.AUTH_HMAC_SHA2_512_256 => 32,
        _ => 0,
    };

    internal static HmacHash Hash(IntegId id) => id switch
    {
        IntegId.AUTH_HMAC_SHA1_96 => HmacHash.Sha1,
        IntegId.AUTH_HMAC_SHA2_256_128 => HmacHash.Sha256,
        IntegId.AUTH_HMAC_SHA2_384_192 => HmacHash.Sha384,
        IntegId.AUTH_HMAC_SHA2_512_256 => HmacHash.Sha512,
        _ => throw new NotSupportedException($"INTEG {id} is not supported."),
    };

    /// <summary>True for HMAC-SHA1 and HMAC-SHA2-384 (System.Security.Cryptography, libssl).</summary>
    public static bool NeedsOpenSsl(IntegId id) => id is IntegId.AUTH_HMAC_SHA1_96 or IntegId.AUTH_HMAC_SHA2_384_192;

    /// <summary>Writes the ICV: HMAC(key, data) truncated to <paramref name="icv"/>'s length.</summary>
    public static void ComputeIcv(IntegId id, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> icv)
    {
        if (icv.Length != IcvLength(id))
        {
            throw new ArgumentException($"{id} ICV is {IcvLength(id)} bytes.", nameof(icv));
        }

        Hmac.Compute(Hash(id), key, data, icv);
    }
}
