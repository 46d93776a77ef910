using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

public class ChildKeyMaterialTests(string library) : HmacLibraryFixture(library)
{
    private static readonly byte[] SkD = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly byte[] Ni = [.. Enumerable.Range(40, 32).Select(i => (byte)i)];
    private static readonly byte[] Nr = [.. Enumerable.Range(80, 32).Select(i => (byte)i)];

    [TestCase(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96, 16, 20)]
    [TestCase(EncrId.ENCR_AES_CBC, 192, IntegId.AUTH_HMAC_SHA2_256_128, 24, 32)]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_384_192, 32, 48)]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_512_256, 32, 64)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE, 20, 0)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE, 36, 0)]
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE, 36, 0)]
    public void SizesEspKeys(EncrId encr, int bits, IntegId integ, int encrLength, int integLength)
    {
        var suite = new EspSuite(encr, bits, integ);
        Assert.Multiple(() =>
        {
            Assert.That(suite.IsSupported, Is.True);
            Assert.That(suite.EncrKeyLength, Is.EqualTo(encrLength));
            Assert.That(suite.IntegKeyLength, Is.EqualTo(integLength));
            Assert.That(suite.IsAead, Is.EqualTo(integ == IntegId.NONE));
            Assert.That(suite.IsCounterModeAead, Is.EqualTo(integ == IntegId.NONE));
        });
    }

    // RFC 7296 §2.17: KEYMAT = prf+(SK_d, Ni | Nr); initiator-to-responder encr | integ, then responder-to-initiator encr | integ.
    [TestCase(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256)]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA1_96, PrfId.PRF_HMAC_SHA1)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_512)]
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256)]
    public void SplitsKeymatInitiatorToResponderFirst(EncrId encr, int bits, IntegId integ, PrfId prfId)
    {
        var suite = new EspSuite(encr, bits, integ);
        int e = suite.EncrKeyLength;
        int a = suite.IntegKeyLength;
        byte[] keymat = IndependentPrf.PrfPlus(prfId, SkD, [.. Ni, .. Nr], 2 * (e + a));

        var (i2r, r2i) = ChildKeyMaterial.Derive(Prf.Create(prfId), SkD, Ni, Nr, suite);
        using (i2r)
        using (r2i)
        {
            Assert.That(i2r.EncrKey.Span.ToArray(), Is.EqualTo(keymat[..e]));
            Assert.That(i2r.IntegKey.Span.ToArray(), Is.EqualTo(keymat[e..(e + a)]));
            Assert.That(r2i.EncrKey.Span.ToArray(), Is.EqualTo(keymat[(e + a)..(2 * e + a)]));
            Assert.That(r2i.IntegKey.Span.ToArray(), Is.EqualTo(keymat[(2 * e + a)..]));
            Assert.That(i2r.Suite, Is.EqualTo(suite));
        }
    }

    // RFC 7296 §2.17 with PFS: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr).
    [Test]
    public void IncludesNewSharedSecretWithPfs()
    {
        var suite = new EspSuite(EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE);
        byte[] gir = [.. Enumerable.Range(200, 32).Select(i => (byte)i)];
        byte[] keymat = IndependentPrf.PrfPlus(PrfId.PRF_HMAC_SHA2_256, SkD, [.. gir, .. Ni, .. Nr], 40);

        var (i2r, r2i) = ChildKeyMaterial.Derive(Prf.Create(PrfId.PRF_HMAC_SHA2_256), SkD, gir, Ni, Nr, suite);
        using (i2r)
        using (r2i)
        {
            byte[] both = [.. i2r.EncrKey.Span, .. r2i.EncrKey.Span];
            Assert.That(both, Is.EqualTo(keymat));
        }
    }

    // draft-mpsa §3.3.2: KEYMAT = prf+(SK_d, Nonce); encr then integ, one set for both directions.
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE)]
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE)]
    public void DerivesMpsaKeysAsPrefixOfPrfPlus(EncrId encr, int bits, IntegId integ)
    {
        var suite = new EspSuite(encr, bits, integ);
        byte[] nonce = [.. Enumerable.Range(7, 24).Select(i => (byte)i)];
        IPrf prf = Prf.Create(PrfId.PRF_HMAC_SHA2_256);
        byte[] longer = new byte[200];
        PrfPlus.Derive(prf, SkD, nonce, longer);

        using EspKeys keys = ChildKeyMaterial.DeriveMpsa(prf, SkD, nonce, suite);
        byte[] ours = [.. keys.EncrKey.Span, .. keys.IntegKey.Span];
        Assert.That(ours, Is.EqualTo(longer[..(suite.EncrKeyLength + suite.IntegKeyLength)]));
        Assert.That(keys.IntegKey.Length, Is.EqualTo(suite.IntegKeyLength));
    }

    [Test]
    public void ZeroesEspKeysOnDispose()
    {
        EspKeys keys = ChildKeyMaterial.DeriveMpsa(Prf.Create(PrfId.PRF_HMAC_SHA2_256), SkD, Ni, new EspSuite(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96));
        keys.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = keys.EncrKey.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => _ = keys.IntegKey.Span.Length);
    }

    [Test]
    public void RejectsUnsupportedEspSuite()
    {
        IPrf prf = Prf.Create(PrfId.PRF_HMAC_SHA2_256);
        Assert.Throws<NotSupportedException>(() => ChildKeyMaterial.DeriveMpsa(prf, SkD, Ni, new EspSuite(EncrId.ENCR_AES_GCM_16, 128, IntegId.AUTH_HMAC_SHA1_96)));
        Assert.Throws<NotSupportedException>(() => ChildKeyMaterial.Derive(prf, SkD, Ni, Nr, new EspSuite(EncrId.ENCR_AES_CBC, 100, IntegId.AUTH_HMAC_SHA1_96)));
        Assert.That(new EspSuite(EncrId.ENCR_AES_CBC, 128, IntegId.NONE).IsSupported, Is.False);
    }

    [Test]
    public void PrintsEspSuite()
    {
        Assert.That(new EspSuite(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE).ToString(), Is.EqualTo("AES_GCM_16_256"));
        Assert.That(new EspSuite(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128).ToString(), Is.EqualTo("AES_CBC_128/HMAC_SHA2_256_128"));
        Assert.That(new EspSuite(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE).ToString(), Is.EqualTo("CHACHA20_POLY1305"));
    }
}
