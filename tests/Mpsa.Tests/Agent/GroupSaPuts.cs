using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Agent;

/// <summary>MPSA_PUTs with replayable nonce and SK_d (a seed picks them) for the group-SA tests.</summary>
internal static class GroupSaPuts
{
    /// <summary>AES-CBC-256 with HMAC-SHA2-256-128 and PRF_HMAC_SHA2_256: the safe multi-point default.</summary>
    public static MpsaPut Cbc(uint spi, byte seed, uint life = 3600, uint roll1 = 30, uint roll2 = 60) =>
        Make(spi, EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, seed, life, roll1, roll2);

    public static MpsaPut Make(uint spi, EncrId encr, int? keyBits, IntegId integ, PrfId prf, byte seed,
        uint life = 3600, uint roll1 = 30, uint roll2 = 60) =>
        new(new EspSpi(spi), encr, keyBits, integ, prf, Nonce(seed), SecretBytes.CopyFrom(SkD(seed, MpsaPut.PrfKeyLength(prf) ?? 32)), life, roll1, roll2);

    public static byte[] Nonce(byte seed) => Pattern(32, seed, 0x11);

    public static byte[] SkD(byte seed, int length = 32) => Pattern(length, seed, 0xa7);

    private static byte[] Pattern(int length, byte seed, int salt)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            b[i] = (byte)((seed * 31) + (i * salt) + 7);
        }
        return b;
    }
}
