using System.Buffers.Binary;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

public class IkeKeyScheduleTests(string library) : HmacLibraryFixture(library)
{
    private const ulong SpiI = 0x0123456789abcdefUL;
    private const ulong SpiR = 0xfedcba9876543210UL;

    private static readonly IkeSuite[] Suites =
    [
        IkeSuite.Default,
        new(EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, DhGroup.ECP_256),
        new(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_384, DhGroup.ECP_384),
        new(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96, PrfId.PRF_HMAC_SHA1, DhGroup.MODP_2048),
        new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, DhGroup.MODP_2048),
        new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_512_256, PrfId.PRF_HMAC_SHA2_512, DhGroup.CURVE25519),
    ];

    private static IEnumerable<TestCaseData> AllSuites() =>
        Suites.Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    // (SK_d, SK_a, SK_e, SK_p) lengths: PRF key length, INTEG key length, ENCR key length with salt, PRF key length.
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, 32, 0, 36, 32)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, 32, 0, 20, 32)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_512, 64, 0, 36, 64)]
    [TestCase(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96, PrfId.PRF_HMAC_SHA1, 20, 20, 16, 20)]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_384, 48, 32, 32, 48)]
    public void DerivesKeysOfSuiteLengths(EncrId encr, int bits, IntegId integ, PrfId prf, int d, int a, int e, int p)
    {
        var suite = new IkeSuite(encr, bits, integ, prf, DhGroup.CURVE25519);
        (IkeSaKeys keys, SecretBytes skeyseed) = IkeKeySchedule.DeriveWithSkeyseed(suite, new byte[32], new byte[32], new byte[32], SpiI, SpiR);
        using (keys)
        using (skeyseed)
        {
            Assert.Multiple(() =>
            {
                Assert.That(skeyseed.Length, Is.EqualTo(d), "SKEYSEED is one PRF output");
                Assert.That(keys.SkD.Length, Is.EqualTo(d));
                Assert.That(keys.SkAi.Length, Is.EqualTo(a));
                Assert.That(keys.SkAr.Length, Is.EqualTo(a));
                Assert.That(keys.SkEi.Length, Is.EqualTo(e));
                Assert.That(keys.SkEr.Length, Is.EqualTo(e));
                Assert.That(keys.SkPi.Length, Is.EqualTo(p));
                Assert.That(keys.SkPr.Length, Is.EqualTo(p));
                Assert.That(keys.Suite, Is.EqualTo(suite));
            });
        }
    }

    // RFC 7296 §2.14, computed independently in the test with System.Security.Cryptography's HMAC.
    [TestCaseSource(nameof(AllSuites))]
    public void MatchesIndependentDerivation(IkeSuite suite)
    {
        var random = new Random(2014);
        byte[] gir = new byte[DiffieHellman.PublicValueLength(suite.Dh) / (suite.Dh is DhGroup.ECP_256 or DhGroup.ECP_384 ? 2 : 1)];
        byte[] ni = new byte[32];
        byte[] nr = new byte[48];
        random.NextBytes(gir);
        random.NextBytes(ni);
        random.NextBytes(nr);

        // SKEYSEED = prf(Ni | Nr, g^ir)
        byte[] skeyseed = IndependentPrf.Prf(suite.Prf, [.. ni, .. nr], gir);

        // {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        byte[] spis = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(spis, SpiI);
        BinaryPrimitives.WriteUInt64BigEndian(spis.AsSpan(8), SpiR);
        int d = skeyseed.Length;
        int a = suite.IntegKeyLength;
        int e = suite.EncrKeyLength;
        byte[] keymat = IndependentPrf.PrfPlus(suite.Prf, skeyseed, [.. ni, .. nr, .. spis], (3 * d) + (2 * a) + (2 * e));

        (IkeSaKeys keys, SecretBytes ourSkeyseed) = IkeKeySchedule.DeriveWithSkeyseed(suite, gir, ni, nr, SpiI, SpiR);
        using (keys)
        using (ourSkeyseed)
        {
            Assert.That(ourSkeyseed.Span.ToArray(), Is.EqualTo(skeyseed));
            byte[] ours = [.. keys.SkD.Span, .. keys.SkAi.Span, .. keys.SkAr.Span, .. keys.SkEi.Span, .. keys.SkEr.Span, .. keys.SkPi.Span, .. keys.SkPr.Span];
            Assert.That(ours, Is.EqualTo(keymat));
        }
    }

    [Test]
    public void IsDeterministicAndDependsOnEveryInput()
    {
        byte[] gir = [.. Enumerable.Repeat((byte)1, 32)];
        byte[] ni = [.. Enumerable.Repeat((byte)2, 32)];
        byte[] nr = [.. Enumerable.Repeat((byte)3, 32)];
        using IkeSaKeys a = IkeKeySchedule.Derive(IkeSuite.Default, gir, ni, nr, SpiI, SpiR);
        using IkeSaKeys b = IkeKeySchedule.Derive(IkeSuite.Default, gir, ni, nr, SpiI, SpiR);
        Assert.That(a.SkD.Span.ToArray(), Is.EqualTo(b.SkD.Span.ToArray()));
        Assert.That(a.SkPr.Span.ToArray(), Is.EqualTo(b.SkPr.Span.ToArray()));

        using IkeSaKeys otherSpi = IkeKeySchedule.Derive(IkeSuite.Default, gir, ni, nr, SpiI, SpiR + 1);
        using IkeSaKeys swappedNonces = IkeKeySchedule.Derive(IkeSuite.Default, gir, nr, ni, SpiI, SpiR);
        using IkeSaKeys otherSecret = IkeKeySchedule.Derive(IkeSuite.Default, [.. gir[..31], 0], ni, nr, SpiI, SpiR);
        Assert.That(otherSpi.SkD.Span.ToArray(), Is.Not.EqualTo(a.SkD.Span.ToArray()));
        Assert.That(swappedNonces.SkD.Span.ToArray(), Is.Not.EqualTo(a.SkD.Span.ToArray()));
        Assert.That(otherSecret.SkD.Span.ToArray(), Is.Not.EqualTo(a.SkD.Span.ToArray()));
    }

    // RFC 7296 §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF, expanded with the new suite's PRF.
    [Test]
    public void DerivesRekeyedSaLikeIndependentComputation()
    {
        var newSuite = new IkeSuite(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_512, DhGroup.CURVE25519);
        byte[] oldSkD = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        byte[] gir = [.. Enumerable.Range(50, 32).Select(i => (byte)i)];
        byte[] ni = [.. Enumerable.Range(100, 16).Select(i => (byte)i)];
        byte[] nr = [.. Enumerable.Range(150, 16).Select(i => (byte)i)];

        byte[] skeyseed = IndependentPrf.Prf(PrfId.PRF_HMAC_SHA2_256, oldSkD, [.. gir, .. ni, .. nr]);
        byte[] spis = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(spis, SpiI);
        BinaryPrimitives.WriteUInt64BigEndian(spis.AsSpan(8), SpiR);
        byte[] keymat = IndependentPrf.PrfPlus(PrfId.PRF_HMAC_SHA2_512, skeyseed, [.. ni, .. nr, .. spis], 64 + 32 + 32 + 16 + 16 + 64 + 64);

        using IkeSaKeys keys = IkeKeySchedule.DeriveRekeyed(newSuite, Prf.Create(PrfId.PRF_HMAC_SHA2_256), oldSkD, gir, ni, nr, SpiI, SpiR);
        byte[] ours = [.. keys.SkD.Span, .. keys.SkAi.Span, .. keys.SkAr.Span, .. keys.SkEi.Span, .. keys.SkEr.Span, .. keys.SkPi.Span, .. keys.SkPr.Span];
        Assert.That(ours, Is.EqualTo(keymat));
    }

    // The initiator sends with SK_ei/SK_ai, the responder receives with them; and the reverse direction.
    [TestCaseSource(nameof(AllSuites))]
    public void PairsInitiatorAndResponderProtections(IkeSuite suite)
    {
        using IkeSaKeys keys = IkeKeySchedule.Derive(suite, new byte[32], new byte[32], new byte[32], SpiI, SpiR);
        var (iOut, iIn) = keys.CreateProtection(isInitiator: true, SystemRandom.Instance);
        var (rOut, rIn) = keys.CreateProtection(isInitiator: false, SystemRandom.Instance);
        using (iOut)
        using (iIn)
        using (rOut)
        using (rIn)
        {
            byte[] request = Seal(iOut, [1, 2, 3]);
            byte[] response = Seal(rOut, [4, 5]);
            Assert.That(rIn.Open(request, 32), Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(iIn.Open(response, 32), Is.EqualTo(new byte[] { 4, 5 }));
            Assert.That(iIn.Open(request, 32), Is.Null, "the initiator's own direction uses other keys");
            Assert.That(rIn.Open(response, 32), Is.Null);
        }
    }

    [Test]
    public void ZeroesDerivedKeysOnDispose()
    {
        IkeSaKeys keys = IkeKeySchedule.Derive(IkeSuite.Default, new byte[32], new byte[32], new byte[32], SpiI, SpiR);
        SecretBytes[] all = [keys.SkD, keys.SkAi, keys.SkAr, keys.SkEi, keys.SkEr, keys.SkPi, keys.SkPr];
        keys.Dispose();
        foreach (SecretBytes secret in all)
        {
            Assert.Throws<ObjectDisposedException>(() => _ = secret.Span.Length);
        }

        Assert.That(keys.ToString(), Does.Not.Contain("0x").And.Contain("secret"));
    }

    [Test]
    public void RejectsUnsupportedSuite()
    {
        var suite = new IkeSuite(EncrId.ENCR_3DES, 192, IntegId.AUTH_HMAC_SHA1_96, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);
        Assert.Throws<NotSupportedException>(() => IkeKeySchedule.Derive(suite, new byte[32], new byte[32], new byte[32], SpiI, SpiR));
        var md5 = IkeSuite.Default with { Prf = PrfId.PRF_HMAC_MD5 };
        Assert.Throws<NotSupportedException>(() => IkeKeySchedule.Derive(md5, new byte[32], new byte[32], new byte[32], SpiI, SpiR));
    }

    private static byte[] Seal(IEncryptedPayloadProtection protection, byte[] plaintext)
    {
        byte[] message = new byte[32 + protection.BodyLength(plaintext.Length)];
        protection.Seal(message, 32, plaintext);
        return message;
    }
}
