using Mpsa.Ike.Crypto;

namespace Mpsa.Tests.KnownAnswers;

/// <summary>
/// The key update after an additional key exchange (RFC 9370 §2.2.2) against what strongSwan 6 derived in real hybrid
/// exchanges (Fixtures/strongswan6, captured by tests/interop/capture-hybrid-keys.sh): the first SK_* from the X25519
/// secret, then SKEYSEED and SK_* again from the first SK_d and the ML-KEM-768 secret, for each captured suite.
/// </summary>
public class StrongSwan6HybridKeyTests
{
    private static IEnumerable<string> Suites() => Fixture.Names("strongswan6");

    private static IkeSuite SuiteOf(Fixture f)
    {
        Assert.That(SuiteNames.TryParseIke(f.Text("ike_proposal"), out var suite, out string? error), Is.True, error);
        return suite;
    }

    [Test]
    public void AtLeastTwoSuitesWereCaptured() => Assert.That(Suites().Count(), Is.GreaterThanOrEqualTo(2));

    [TestCaseSource(nameof(Suites))]
    public void DerivesTheFirstKeysLikeStrongSwan6(string name)
    {
        var f = Fixture.Load("strongswan6", name);
        var (keys, skeyseed) = IkeKeySchedule.DeriveWithSkeyseed(SuiteOf(f), f.Hex("g_ir"), f.Hex("ni"), f.Hex("nr"), f.Spi("spi_i"), f.Spi("spi_r"));
        using (keys)
        using (skeyseed)
        {
            Assert.That(Convert.ToHexStringLower(skeyseed.Span), Is.EqualTo(f.Text("skeyseed")), "SKEYSEED");
            AssertKeys(f, keys, "");
        }
    }

    [TestCaseSource(nameof(Suites))]
    public void UpdatesTheKeysWithTheMlKemSecretLikeStrongSwan6(string name)
    {
        var f = Fixture.Load("strongswan6", name);
        var suite = SuiteOf(f);
        var prf = Prf.Create(suite.Prf);
        // SKEYSEED = prf(SK_d, SK(ML-KEM) | Ni | Nr)
        byte[] skeyseed = prf.Compute(f.Hex("sk_d"), [.. f.Hex("mlkem_secret"), .. f.Hex("ni"), .. f.Hex("nr")]);
        Assert.That(Convert.ToHexStringLower(skeyseed), Is.EqualTo(f.Text("skeyseed_updated")), "SKEYSEED of the update");
        using var keys = IkeKeySchedule.DeriveRekeyed(suite, prf, f.Hex("sk_d"), f.Hex("mlkem_secret"), f.Hex("ni"), f.Hex("nr"), f.Spi("spi_i"), f.Spi("spi_r"));
        AssertKeys(f, keys, "_updated");
    }

    private static void AssertKeys(Fixture f, IkeSaKeys keys, string tag) => Assert.Multiple(() =>
    {
        Assert.That(Convert.ToHexStringLower(keys.SkD.Span), Is.EqualTo(f.Text("sk_d" + tag)), "SK_d" + tag);
        Assert.That(Convert.ToHexStringLower(keys.SkAi.Span), Is.EqualTo(f.Text("sk_ai" + tag)), "SK_ai" + tag);
        Assert.That(Convert.ToHexStringLower(keys.SkAr.Span), Is.EqualTo(f.Text("sk_ar" + tag)), "SK_ar" + tag);
        Assert.That(Convert.ToHexStringLower(keys.SkEi.Span), Is.EqualTo(f.Text("sk_ei" + tag)), "SK_ei" + tag);
        Assert.That(Convert.ToHexStringLower(keys.SkEr.Span), Is.EqualTo(f.Text("sk_er" + tag)), "SK_er" + tag);
        Assert.That(Convert.ToHexStringLower(keys.SkPi.Span), Is.EqualTo(f.Text("sk_pi" + tag)), "SK_pi" + tag);
        Assert.That(Convert.ToHexStringLower(keys.SkPr.Span), Is.EqualTo(f.Text("sk_pr" + tag)), "SK_pr" + tag);
    });
}
