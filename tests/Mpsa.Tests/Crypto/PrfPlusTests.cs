using System.Security.Cryptography;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

public class PrfPlusTests(string library) : HmacLibraryFixture(library)
{
    // RFC 7296 §2.13, written out the plain way with System.Security.Cryptography's HMAC:
    // T1 = prf(K, S | 0x01), Tn = prf(K, T(n-1) | S | n), prf+ = T1 | T2 | ...
    private static byte[] IndependentPrfPlus(byte[] key, byte[] seed, int length)
    {
        var result = new List<byte>();
        byte[] previous = [];
        for (int n = 1; result.Count < length; n++)
        {
            byte[] input = [.. previous, .. seed, (byte)n];
            previous = HMACSHA256.HashData(key, input);
            result.AddRange(previous);
        }

        return result.Take(length).ToArray();
    }

    [TestCase(0, 1)]
    [TestCase(4, 32)]
    [TestCase(64, 33)]
    [TestCase(64, 64)]
    [TestCase(100, 200)]
    [TestCase(131, 1000)]
    [TestCase(20, 255 * 32)]
    public void MatchesStraightforwardConstruction(int keyLength, int outputLength)
    {
        var random = new Random(keyLength * 7919 + outputLength);
        byte[] key = new byte[keyLength];
        byte[] seed = new byte[80];
        random.NextBytes(key);
        random.NextBytes(seed);

        byte[] output = new byte[outputLength];
        PrfPlus.Derive(Prf.Create(PrfId.PRF_HMAC_SHA2_256), key, seed, output);

        Assert.That(output, Is.EqualTo(IndependentPrfPlus(key, seed, outputLength)));
    }

    [Test]
    public void ShorterOutputIsPrefixOfLonger()
    {
        IPrf prf = Prf.Create(PrfId.PRF_HMAC_SHA2_512);
        byte[] key = [1, 2, 3];
        byte[] seed = [4, 5, 6];
        byte[] longer = new byte[300];
        byte[] shorter = new byte[77];
        PrfPlus.Derive(prf, key, seed, longer);
        PrfPlus.Derive(prf, key, seed, shorter);
        Assert.That(shorter, Is.EqualTo(longer[..77]));
    }

    // RFC 7296 §2.13: "this cannot be used to get more than 255 times the output size of the prf".
    [TestCase(PrfId.PRF_HMAC_SHA2_256)]
    [TestCase(PrfId.PRF_HMAC_SHA1)]
    public void RejectsMoreThan255Blocks(PrfId id)
    {
        IPrf prf = Prf.Create(id);
        byte[] atLimit = new byte[255 * prf.OutputLength];
        Assert.DoesNotThrow(() => PrfPlus.Derive(prf, [1], [2], atLimit));
        Assert.Throws<ArgumentException>(() => PrfPlus.Derive(prf, [1], [2], new byte[(255 * prf.OutputLength) + 1]));
    }
}
