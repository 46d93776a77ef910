using System.Security.Cryptography;
using System.Text;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

public class PrfTests(string library) : HmacLibraryFixture(library)
{
    private static readonly (PrfId Id, string Column)[] Sha2Prfs =
    [
        (PrfId.PRF_HMAC_SHA2_256, "sha256"),
        (PrfId.PRF_HMAC_SHA2_384, "sha384"),
        (PrfId.PRF_HMAC_SHA2_512, "sha512"),
    ];

    private static IEnumerable<TestCaseData> Rfc4231Cases() =>
        from c in KnownAnswers.Load("rfc4231-hmac-sha2.txt")
        where c.Number != 5
        from p in Sha2Prfs
        select new TestCaseData(p.Id, c.Bytes("key"), c.Bytes("data"), c.Bytes(p.Column)).SetArgDisplayNames($"{p.Id}", c.ToString());

    private static IEnumerable<TestCaseData> Rfc2202Cases() =>
        from c in KnownAnswers.Load("rfc2202-hmac-sha1.txt")
        select new TestCaseData(c.Bytes("key"), c.Bytes("data"), c.Bytes("sha1")).SetArgDisplayNames(c.ToString());

    // RFC 4231 §4.2-§4.8, cases 1-4, 6, 7 (case 5 is truncated: see ComputesRfc4231Case5TruncationThroughInteg).
    // Keys of 4 and 20-25 bytes take the zero-padding path; the 131-byte keys of cases 6 and 7 are hashed first.
    [TestCaseSource(nameof(Rfc4231Cases))]
    public void ComputesRfc4231CasesThroughPrf(PrfId id, byte[] key, byte[] data, byte[] expected)
    {
        IPrf prf = Prf.Create(id);
        Assert.That(prf.Compute(key, data), Is.EqualTo(expected));

        var output = new byte[prf.OutputLength];
        prf.Compute(key, data, output);
        Assert.That(output, Is.EqualTo(expected));
    }

    // RFC 4231 §4.3 (test case 2): the 4-byte key "Jefe" is shorter than NSec's 32-byte minimum; padding it with
    // zeros to 32 bytes must give the identical MAC, because HMAC pads it with zeros to the block size anyway (RFC 2104 §2).
    [Test]
    public void ComputesRfc4231Case2ThroughPrf()
    {
        byte[] expected = Convert.FromHexString("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        byte[] mac = Prf.Create(PrfId.PRF_HMAC_SHA2_256).Compute("Jefe"u8, "what do ya want for nothing?"u8);
        Assert.That(mac, Is.EqualTo(expected));
    }

    // RFC 2202 §3, HMAC-SHA-1 cases 1-7 (80-byte keys in 6 and 7 exceed the 64-byte block).
    [TestCaseSource(nameof(Rfc2202Cases))]
    public void ComputesRfc2202CasesThroughPrf(byte[] key, byte[] data, byte[] expected)
    {
        Assert.That(Prf.Create(PrfId.PRF_HMAC_SHA1).Compute(key, data), Is.EqualTo(expected));
    }

    // Every key length from empty to past the block size, against System.Security.Cryptography's HMAC (OpenSSL):
    // covers the three paths (zero-pad to L, libsodium HMAC for L < |K| <= B, hash then import for |K| > B).
    [TestCase(PrfId.PRF_HMAC_SHA2_256)]
    [TestCase(PrfId.PRF_HMAC_SHA2_512)]
    [TestCase(PrfId.PRF_HMAC_SHA2_384)]
    [TestCase(PrfId.PRF_HMAC_SHA1)]
    public void MatchesIndependentHmacForEveryKeyLength(PrfId id)
    {
        IPrf prf = Prf.Create(id);
        var random = new Random(4231);
        byte[] data = new byte[100];
        random.NextBytes(data);
        for (int length = 0; length <= 300; length++)
        {
            byte[] key = new byte[length];
            random.NextBytes(key);
            byte[] expected = id switch
            {
#pragma warning disable CA5350 // HMAC-SHA1 is the reference for PRF_HMAC_SHA1 here, not a design choice.
                PrfId.PRF_HMAC_SHA1 => HMACSHA1.HashData(key, data),
#pragma warning restore CA5350
                PrfId.PRF_HMAC_SHA2_256 => HMACSHA256.HashData(key, data),
                PrfId.PRF_HMAC_SHA2_384 => HMACSHA384.HashData(key, data),
                _ => HMACSHA512.HashData(key, data),
            };
            Assert.That(prf.Compute(key, data), Is.EqualTo(expected), $"key length {length}");
        }
    }

    [Test]
    public void ReportsLengthsAndOpenSslNeeds()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Prf.Create(PrfId.PRF_HMAC_SHA1).OutputLength, Is.EqualTo(20));
            Assert.That(Prf.Create(PrfId.PRF_HMAC_SHA2_256).KeyLength, Is.EqualTo(32));
            Assert.That(Prf.Create(PrfId.PRF_HMAC_SHA2_384).KeyLength, Is.EqualTo(48));
            Assert.That(Prf.Create(PrfId.PRF_HMAC_SHA2_512).OutputLength, Is.EqualTo(64));
            Assert.That(Prf.NeedsOpenSsl(PrfId.PRF_HMAC_SHA2_256), Is.False);
            Assert.That(Prf.NeedsOpenSsl(PrfId.PRF_HMAC_SHA2_512), Is.False);
            Assert.That(Prf.NeedsOpenSsl(PrfId.PRF_HMAC_SHA1), Is.True);
            Assert.That(Prf.NeedsOpenSsl(PrfId.PRF_HMAC_SHA2_384), Is.True);
            Assert.That(Prf.IsSupported(PrfId.PRF_HMAC_MD5), Is.False);
            Assert.That(Prf.IsSupported(PrfId.PRF_AES128_XCBC), Is.False);
        });
        Assert.Throws<NotSupportedException>(() => Prf.Create(PrfId.PRF_HMAC_MD5));
    }

    [Test]
    public void RejectsWrongOutputLength()
    {
        IPrf prf = Prf.Create(PrfId.PRF_HMAC_SHA2_256);
        Assert.Throws<ArgumentException>(() => prf.Compute(Encoding.ASCII.GetBytes("k"), [], new byte[31]));
    }
}
