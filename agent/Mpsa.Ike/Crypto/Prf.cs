using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>The PRFs this implementation offers (RFC 7296 §3.3.2; SHA-2 per RFC 4868).</summary>
public static class Prf
{
    private static readonly HmacPrf s_sha1 = new(PrfId.PRF_HMAC_SHA1, HmacHash.Sha1);
    private static readonly HmacPrf s_sha256 = new(PrfId.PRF_HMAC_SHA2_256, HmacHash.Sha256);
    private static readonly HmacPrf s_sha384 = new(PrfId.PRF_HMAC_SHA2_384, HmacHash.Sha384);
    private static readonly HmacPrf s_sha512 = new(PrfId.PRF_HMAC_SHA2_512, HmacHash.Sha512);

    /// <summary>The PRF; instances are stateless and shared.</summary>
    public static IPrf Create(PrfId id) => id switch
    {
        PrfId.PRF_HMAC_SHA1 => s_sha1,
        PrfId.PRF_HMAC_SHA2_256 => s_sha256,
        PrfId.PRF_HMAC_SHA2_384 => s_sha384,
        PrfId.PRF_HMAC_SHA2_512 => s_sha512,
        _ => throw new NotSupportedException($"PRF {id} is not supported."),
    };

    public static bool IsSupported(PrfId id) =>
        id is PrfId.PRF_HMAC_SHA1 or PrfId.PRF_HMAC_SHA2_256 or PrfId.PRF_HMAC_SHA2_384 or PrfId.PRF_HMAC_SHA2_512;

    /// <summary>True when the PRF runs on System.Security.Cryptography (libssl): HMAC-SHA1 and HMAC-SHA2-384.</summary>
    public static bool NeedsOpenSsl(PrfId id) => id is PrfId.PRF_HMAC_SHA1 or PrfId.PRF_HMAC_SHA2_384;
}
