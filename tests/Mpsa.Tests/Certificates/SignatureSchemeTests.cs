using System.Security.Cryptography;
using Mpsa.Ike.Certificates;

namespace Mpsa.Tests.Certificates;

/// <summary>RFC 7427 §3 / Appendix A AlgorithmIdentifiers, as DER bytes.</summary>
public class SignatureSchemeTests
{
    // sha256WithRSAEncryption / sha512WithRSAEncryption with NULL parameters and ecdsa-with-SHA256/384 without (RFC 7427 Appendix A);
    // RSASSA-PSS SHA-256 / MGF1-SHA-256 / salt 32 as `openssl req -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32` (OpenSSL 3.0) writes it.
    [TestCase(SignatureKey.Rsa, "SHA256", false, "300d06092a864886f70d01010b0500")]
    [TestCase(SignatureKey.Rsa, "SHA512", false, "300d06092a864886f70d01010d0500")]
    [TestCase(SignatureKey.Ecdsa, "SHA256", false, "300a06082a8648ce3d040302")]
    [TestCase(SignatureKey.Ecdsa, "SHA384", false, "300a06082a8648ce3d040303")]
    [TestCase(SignatureKey.Rsa, "SHA256", true, "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120")]
    public void EncodesAndReadsAlgorithmIdentifiers(SignatureKey key, string hash, bool pss, string der)
    {
        var scheme = new SignatureScheme(key, new HashAlgorithmName(hash), pss);
        Assert.That(Convert.ToHexStringLower(scheme.AlgorithmIdentifier()), Is.EqualTo(der));
        Assert.That(SignatureScheme.FromAlgorithmIdentifier(Convert.FromHexString(der), out string? problem), Is.EqualTo(scheme), problem);
    }

    [TestCase("300d06092a864886f70d0101050500", "1.2.840.113549.1.1.5")] // sha1WithRSAEncryption: not in method 14
    [TestCase("303c06092a864886f70d01010a302fa00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500", "salt length 20")] // PSS, default salt
    [TestCase("3003020100", "not valid DER")]
    public void RejectsAlgorithmIdentifiersItCannotVerify(string der, string why)
    {
        Assert.That(SignatureScheme.FromAlgorithmIdentifier(Convert.FromHexString(der), out string? problem), Is.Null);
        Assert.That(problem, Does.Contain(why));
    }
}
