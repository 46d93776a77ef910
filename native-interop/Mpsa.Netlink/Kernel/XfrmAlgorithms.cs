using System.Globalization;
using System.Net.Sockets;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// The Linux crypto API names XFRM takes for ESP transforms (XFRMA_ALG_CRYPT / _AUTH_TRUNC / _AEAD), as strongSwan's
/// kernel_netlink maps them. AEAD key material carries its 4-byte salt at the end (RFC 4106 §8.1, RFC 7634 §2).
/// </summary>
internal static class XfrmAlgorithms
{
    /// <summary>"cbc(aes)", "rfc4106(gcm(aes))", "rfc7539esp(chacha20,poly1305)"; null when XFRM has no name for it.</summary>
    public static string? EncryptionName(EncrId encr) => encr switch
    {
        EncrId.ENCR_AES_CBC => "cbc(aes)",
        EncrId.ENCR_AES_CTR => "rfc3686(ctr(aes))",
        EncrId.ENCR_AES_GCM_8 or EncrId.ENCR_AES_GCM_12 or EncrId.ENCR_AES_GCM_16 => "rfc4106(gcm(aes))",
        EncrId.ENCR_CHACHA20_POLY1305 => "rfc7539esp(chacha20,poly1305)",
        EncrId.ENCR_3DES => "cbc(des3_ede)",
        EncrId.ENCR_NULL => "ecb(cipher_null)",
        _ => null,
    };

    /// <summary>ICV length in bits of an AEAD (xfrm_algo_aead.alg_icv_len); 0 for a cipher that is not AEAD.</summary>
    public static int AeadIcvBits(EncrId encr) => encr switch
    {
        EncrId.ENCR_AES_GCM_8 => 64,
        EncrId.ENCR_AES_GCM_12 => 96,
        EncrId.ENCR_AES_GCM_16 or EncrId.ENCR_CHACHA20_POLY1305 => 128,
        _ => 0,
    };

    /// <summary>"hmac(sha256)" and its truncation in bits (xfrm_algo_auth.alg_trunc_len); null for NONE or an unknown INTEG.</summary>
    public static (string Name, int TruncBits)? Integrity(IntegId integ) => integ switch
    {
        IntegId.AUTH_HMAC_MD5_96 => ("hmac(md5)", 96),
        IntegId.AUTH_HMAC_SHA1_96 => ("hmac(sha1)", 96),
        IntegId.AUTH_AES_XCBC_96 => ("xcbc(aes)", 96),
        IntegId.AUTH_HMAC_SHA2_256_128 => ("hmac(sha256)", 128),
        IntegId.AUTH_HMAC_SHA2_384_192 => ("hmac(sha384)", 192),
        IntegId.AUTH_HMAC_SHA2_512_256 => ("hmac(sha512)", 256),
        _ => null,
    };

    /// <summary>True when XFRM can carry the suite: a named cipher, and an INTEG exactly when the cipher is not AEAD.</summary>
    public static bool CanInstall(EspSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (EncryptionName(suite.Encr) is null)
        {
            return false;
        }
        return AeadIcvBits(suite.Encr) > 0 ? suite.Integ == IntegId.NONE : Integrity(suite.Integ) is not null;
    }

    /// <summary>"cbc(aes) 256 hmac(sha256) 128", "rfc4106(gcm(aes)) 160 icv 128": names and sizes, no key bytes.</summary>
    public static string Describe(EspSuite suite, int encrKeyLength)
    {
        ArgumentNullException.ThrowIfNull(suite);
        string encr = EncryptionName(suite.Encr) ?? $"encr#{(ushort)suite.Encr}";
        int keyBits = encrKeyLength * 8;
        int icv = AeadIcvBits(suite.Encr);
        if (icv > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{encr} {keyBits} icv {icv}");
        }
        string integ = Integrity(suite.Integ) is var (name, trunc)
            ? string.Create(CultureInfo.InvariantCulture, $"{name} {trunc}")
            : $"integ#{(ushort)suite.Integ}";
        return string.Create(CultureInfo.InvariantCulture, $"{encr} {keyBits} {integ}");
    }

    public static string ProtocolName(ProtocolType protocol) => protocol switch
    {
        ProtocolType.IPSecEncapsulatingSecurityPayload => "esp",
        ProtocolType.IPSecAuthenticationHeader => "ah",
        ProtocolType.Tcp => "tcp",
        ProtocolType.Udp => "udp",
        ProtocolType.Icmp => "icmp",
        ProtocolType.IcmpV6 => "ipv6-icmp",
        ProtocolType.Unspecified => "any",
        _ => ((int)protocol).ToString(CultureInfo.InvariantCulture),
    };
}
