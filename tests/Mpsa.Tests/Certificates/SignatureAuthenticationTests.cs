using System.Diagnostics;
using System.Security.Cryptography;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Certificates;

public class SignatureAuthenticationTests
{
    private static readonly byte[] Octets = "RealMessage | Nonce | prf(SK_p, RestOfIDPayload)"u8.ToArray();
    private static readonly SignatureHash[] AllSha2 = [SignatureHash.SHA2_256, SignatureHash.SHA2_384, SignatureHash.SHA2_512];

    [TestCase(false, 256, false, "300d06092a864886f70d01010b0500")]
    [TestCase(false, 256, true, "304106092a864886f70d01010a")]
    [TestCase(true, 256, false, "300a06082a8648ce3d040302")]
    [TestCase(true, 384, false, "300a06082a8648ce3d040303")]
    public void SignsWithMethod14WhenThePeerListsItsHashes(bool ecdsa, int bits, bool pss, string algorithmPrefix)
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net", ecdsa, bits, pss: pss);
        var auth = SignatureAuthentication.Sign(cred, Octets, AllSha2);
        Assert.Multiple(() =>
        {
            Assert.That(auth.Method, Is.EqualTo(AuthMethod.DIGITAL_SIGNATURE));
            Assert.That(Convert.ToHexStringLower(auth.Data.AsSpan(1, auth.Data[0])), Does.StartWith(algorithmPrefix));
            Assert.That(SignatureAuthentication.Verify(auth, cred.Certificate, Octets), Is.Null);
        });
    }

    [TestCase(false, AuthMethod.RSA_DIGITAL_SIGNATURE)]
    [TestCase(true, AuthMethod.ECDSA_SHA256_P256)]
    public void UsesTheLegacyMethodForAPeerWithoutSignatureHashAlgorithms(bool ecdsa, AuthMethod method)
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net", ecdsa);
        var auth = SignatureAuthentication.Sign(cred, Octets, null);
        Assert.That(auth.Method, Is.EqualTo(method));
        Assert.That(SignatureAuthentication.Verify(auth, cred.Certificate, Octets), Is.Null);
    }

    [Test]
    public void RejectsASignatureOverOtherOctetsOrByAnotherKey()
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net");
        using var other = pki.Issue("cpe2.example.net");
        var auth = SignatureAuthentication.Sign(cred, Octets, AllSha2);
        byte[] changed = [.. Octets];
        changed[3] ^= 1;
        Assert.Multiple(() =>
        {
            Assert.That(SignatureAuthentication.Verify(auth, cred.Certificate, changed), Does.Contain("does not verify"));
            Assert.That(SignatureAuthentication.Verify(auth, other.Certificate, Octets), Does.Contain("does not verify"));
            Assert.That(SignatureAuthentication.Verify(new AuthenticationPayload(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE, [1]), cred.Certificate, Octets),
                Does.Contain("not a signature method"));
        });
    }

    /// <summary>Known answer from an independent signer: `openssl dgst -sha256 -sign` over the octets (ECDSA: DER, as method 14 wants).</summary>
    [TestCase(false, "300d06092a864886f70d01010b0500")]
    [TestCase(true, "300a06082a8648ce3d040302")]
    public void VerifiesASignatureOpenSslMade(bool ecdsa, string algorithm)
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net", ecdsa);
        string dir = Directory.CreateTempSubdirectory("mpsa-sig").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "key.pem"), cred.PrivateKey.ExportPkcs8PrivateKeyPem());
            File.WriteAllBytes(Path.Combine(dir, "octets"), Octets);
            var p = Process.Start(new ProcessStartInfo("openssl", ["dgst", "-sha256", "-sign", "key.pem", "-out", "sig", "octets"])
            { WorkingDirectory = dir, RedirectStandardError = true })!;
            p.WaitForExit();
            Assert.That(p.ExitCode, Is.Zero, p.StandardError.ReadToEnd());
            byte[] alg = Convert.FromHexString(algorithm);
            var auth = new AuthenticationPayload(AuthMethod.DIGITAL_SIGNATURE, [(byte)alg.Length, .. alg, .. File.ReadAllBytes(Path.Combine(dir, "sig"))]);
            Assert.That(SignatureAuthentication.Verify(auth, cred.Certificate, Octets), Is.Null);
            Octets[0] ^= 1;
            try
            {
                Assert.That(SignatureAuthentication.Verify(auth, cred.Certificate, Octets), Is.Not.Null);
            }
            finally
            {
                Octets[0] ^= 1;
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
