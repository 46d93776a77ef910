using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

public class IkeSuiteTests
{
    [Test]
    public void PrintsSuites()
    {
        Assert.That(IkeSuite.Default.ToString(), Is.EqualTo("CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE25519"));
        Assert.That(
            new IkeSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, DhGroup.MODP_2048).ToString(),
            Is.EqualTo("AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"));
        Assert.That(
            new IkeSuite(EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE, PrfId.PRF_HMAC_SHA2_384, DhGroup.ECP_256).ToString(),
            Is.EqualTo("AES_GCM_16_128/PRF_HMAC_SHA2_384/ECP_256"));
    }

    [Test]
    public void PrintsEachSuiteAlikeWhenAskedAgainAndKeepsRecordEquality()
    {
        var suites = Enumerable.Range(0, 100).Select(i =>
            new IkeSuite(EncrId.ENCR_AES_CBC, (i % 3 + 2) * 64, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, (DhGroup)(1000 + i))).ToList();
        var first = suites.Select(s => s.ToString()).ToList();   // more suites than the names remembered

        Assert.That(suites.Select(s => s.ToString()), Is.EqualTo(first));
        Assert.That(first[0], Is.EqualTo("AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/1000"));
        var again = new IkeSuite(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, (DhGroup)1000);
        Assert.That(again, Is.EqualTo(suites[0]));
        Assert.That(again.ToString(), Is.EqualTo(first[0]));
    }

    // The default suite must run without libssl (docs/ARCHITECTURE.md, "OpenSSL is optional on the router").
    [Test]
    public void DefaultSuiteNeedsNoOpenSsl()
    {
        Assert.That(IkeSuite.Default.IsSupported, Is.True);
        Assert.That(IkeSuite.Default.IsAead, Is.True);
        Assert.That(IkeSuite.Default.NeedsOpenSsl, Is.False);
        Assert.That((IkeSuite.Default with { Dh = DhGroup.MODP_2048 }).NeedsOpenSsl, Is.True, "libcrypto's exponentiation");
        Assert.That((IkeSuite.Default with { Prf = PrfId.PRF_HMAC_SHA2_512 }).NeedsOpenSsl, Is.False);
        Assert.That((IkeSuite.Default with { Dh = DhGroup.ECP_256 }).NeedsOpenSsl, Is.True);
        Assert.That((IkeSuite.Default with { Prf = PrfId.PRF_HMAC_SHA1 }).NeedsOpenSsl, Is.True);
        Assert.That((IkeSuite.Default with { Encr = EncrId.ENCR_AES_GCM_16 }).NeedsOpenSsl, Is.True);
    }

    [TestCase(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128, true)]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA1_96, true)]
    [TestCase(EncrId.ENCR_AES_CBC, 128, IntegId.NONE, false)]
    [TestCase(EncrId.ENCR_AES_CBC, 64, IntegId.AUTH_HMAC_SHA1_96, false)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE, true)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 256, IntegId.AUTH_HMAC_SHA2_256_128, false)]
    [TestCase(EncrId.ENCR_AES_GCM_8, 256, IntegId.NONE, false)]
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE, true)]
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, 128, IntegId.NONE, false)]
    [TestCase(EncrId.ENCR_3DES, 192, IntegId.AUTH_HMAC_SHA1_96, false)]
    public void KnowsWhichSuitesAreSupported(EncrId encr, int bits, IntegId integ, bool supported)
    {
        var suite = new IkeSuite(encr, bits, integ, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);
        Assert.That(suite.IsSupported, Is.EqualTo(supported));
    }

    [Test]
    public void ComparesByValue()
    {
        var a = new IkeSuite(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96, PrfId.PRF_HMAC_SHA1, DhGroup.MODP_2048);
        var b = new IkeSuite(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96, PrfId.PRF_HMAC_SHA1, DhGroup.MODP_2048);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        Assert.That(a.IsSupported && !IkeSuite.Default.Equals(a), Is.True);
    }

    [Test]
    public void RejectsUnsupportedPrfOrGroup()
    {
        Assert.That((IkeSuite.Default with { Prf = PrfId.PRF_AES128_XCBC }).IsSupported, Is.False);
        Assert.That((IkeSuite.Default with { Dh = DhGroup.MODP_1024 }).IsSupported, Is.False);
        Assert.That((IkeSuite.Default with { Dh = DhGroup.ECP_384 }).IsSupported, Is.True);
    }
}
