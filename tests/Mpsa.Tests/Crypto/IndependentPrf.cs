using System.Security.Cryptography;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

/// <summary>RFC 7296 PRF and prf+ written the plain way on System.Security.Cryptography, as the reference in tests.</summary>
internal static class IndependentPrf
{
    public static byte[] Prf(PrfId id, byte[] key, byte[] data) => id switch
    {
#pragma warning disable CA5350 // reference computation for PRF_HMAC_SHA1
        PrfId.PRF_HMAC_SHA1 => HMACSHA1.HashData(key, data),
#pragma warning restore CA5350
        PrfId.PRF_HMAC_SHA2_256 => HMACSHA256.HashData(key, data),
        PrfId.PRF_HMAC_SHA2_384 => HMACSHA384.HashData(key, data),
        PrfId.PRF_HMAC_SHA2_512 => HMACSHA512.HashData(key, data),
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };

    // RFC 7296 §2.13: T1 = prf(K, S | 0x01), Tn = prf(K, T(n-1) | S | n).
    public static byte[] PrfPlus(PrfId id, byte[] key, byte[] seed, int length)
    {
        var result = new List<byte>();
        byte[] previous = [];
        for (int n = 1; result.Count < length; n++)
        {
            byte[] input = [.. previous, .. seed, (byte)n];
            previous = Prf(id, key, input);
            result.AddRange(previous);
        }

        return result.Take(length).ToArray();
    }
}
