using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>Enum names for log lines: the runtime's own text, made once per value.</summary>
public class EnumTextTests
{
    [Test]
    public void NamesEveryValueAsToStringDoes()
    {
        foreach (var v in Enum.GetValues<EncrId>().Append((EncrId)255).Append((EncrId)1024))
        {
            Assert.That(EnumText.Of(v), Is.EqualTo(v.ToString()));
        }
        foreach (var v in Enum.GetValues<NotifyType>())
        {
            Assert.That(EnumText.Of(v), Is.EqualTo(v.ToString()), "values past the cache (MPSA_PUT: 40960) too");
        }
        var flags = IkeFlags.Initiator | IkeFlags.Response;
        Assert.That(EnumText.Of(flags), Is.EqualTo(flags.ToString()), "flags combined");
        Assert.That(EnumText.Of((IkeFlags)0), Is.EqualTo(((IkeFlags)0).ToString()));
    }

    [Test]
    public void KeepsTheNameOfASmallValue()
    {
        string first = EnumText.Of(PrfId.PRF_HMAC_SHA2_256);
        Assert.That(EnumText.Of(PrfId.PRF_HMAC_SHA2_256), Is.SameAs(first));
    }

    [Test]
    public void LowerCaseNamesAreKeptApartFromTheNames()
    {
        Assert.That(EnumText.LowerOf(IntegId.AUTH_HMAC_SHA2_256_128), Is.EqualTo(IntegId.AUTH_HMAC_SHA2_256_128.ToString().ToLowerInvariant()));
        Assert.That(EnumText.Of(IntegId.AUTH_HMAC_SHA2_256_128), Is.EqualTo(IntegId.AUTH_HMAC_SHA2_256_128.ToString()), "the lower-case name is not served as the name");
        string lower = EnumText.LowerOf(IntegId.AUTH_HMAC_SHA2_256_128);
        Assert.That(EnumText.LowerOf(IntegId.AUTH_HMAC_SHA2_256_128), Is.SameAs(lower));
    }
}
