using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>The IKE SA suites issue 2 requires, as the cross product of encryption(+integrity), PRF and group.</summary>
internal static class Suites
{
    private static readonly (EncrId Encr, int Bits, IntegId Integ)[] Encryption =
    [
        (EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128),
        (EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128),
        (EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96),
        (EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA1_96),
        (EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE),
        (EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE),
        (EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE),
    ];

    private static readonly PrfId[] Prfs = [PrfId.PRF_HMAC_SHA1, PrfId.PRF_HMAC_SHA2_256, PrfId.PRF_HMAC_SHA2_384, PrfId.PRF_HMAC_SHA2_512];

    private static readonly DhGroup[] Groups = [DhGroup.CURVE25519, DhGroup.ECP_256, DhGroup.MODP_2048];

    public static IEnumerable<IkeSuite> All() =>
        from e in Encryption from p in Prfs from g in Groups select new IkeSuite(e.Encr, e.Bits, e.Integ, p, g);

    public static readonly IkeSuite Default = new(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);

    public static readonly EspSuite[] Esp =
    [
        new(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128),
        new(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE),
        new(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE),
    ];
}
