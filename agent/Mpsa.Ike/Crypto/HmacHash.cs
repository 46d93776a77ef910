namespace Mpsa.Ike.Crypto;

/// <summary>The hash under an HMAC (RFC 2104) used as PRF (RFC 7296 §3.3.2) or INTEG (RFC 2404, RFC 4868).</summary>
internal enum HmacHash
{
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}
