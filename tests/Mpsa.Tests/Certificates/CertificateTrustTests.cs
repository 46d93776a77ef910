using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Certificates;

public class CertificateTrustTests
{
    private static IdentificationPayload Fqdn(string name) => IdentificationPayload.FromText(PayloadType.IDi, name);

    private static string? Validate(CertificateTrust trust, CertificateCredential cred, IdentificationPayload id, DateTimeOffset? at = null)
    {
        var verdict = trust.Validate(cred.CertificatePayloads(), id, at ?? TestPki.Now);
        verdict.Certificate?.Dispose();
        return verdict.Failure;
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AcceptsACertificateOfTheCaThatNamesTheIdentity(bool ecdsa)
    {
        using var pki = new TestPki(ecdsa);
        using var cred = pki.Issue("cpe1.example.net", ecdsa);
        using var trust = pki.Trust();
        Assert.That(Validate(trust, cred, Fqdn("cpe1.example.net")), Is.Null);
        var dn = new IdentificationPayload(PayloadType.IDi, IdType.ID_DER_ASN1_DN, cred.Certificate.SubjectName.RawData);
        Assert.That(Validate(trust, cred, dn), Is.Null, "ID_DER_ASN1_DN = subject");
        Assert.That(dn.ToText(), Is.EqualTo("C=CH, O=mpsa test, CN=cpe1.example.net"));
    }

    [Test]
    public void RejectsAnExpiredCertificate()
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net", notAfter: TestPki.Now.AddDays(-1));
        using var trust = pki.Trust();
        Assert.That(Validate(trust, cred, Fqdn("cpe1.example.net")), Does.Contain("outside its validity period"));
    }

    [Test]
    public void RejectsACertificateOfAnotherCa()
    {
        using var pki = new TestPki();
        using var other = new TestPki(name: "C=CH, O=elsewhere, CN=other CA");
        using var cred = other.Issue("cpe1.example.net");
        using var trust = pki.Trust();
        Assert.That(Validate(trust, cred, Fqdn("cpe1.example.net")), Does.Contain("not issued by a configured CA"));
    }

    [Test]
    public void RejectsARevokedCertificateAndOnlyThatOne()
    {
        using var pki = new TestPki();
        using var revoked = pki.Issue("cpe1.example.net");
        using var good = pki.Issue("cpe2.example.net");
        using var trust = pki.Trust(pki.Crl(revoked.Certificate));
        Assert.That(Validate(trust, revoked, Fqdn("cpe1.example.net")), Does.Contain("is revoked by the CRL of 'C=CH, O=mpsa test, CN=mpsa test CA'"));
        Assert.That(Validate(trust, good, Fqdn("cpe2.example.net")), Is.Null);
    }

    [Test]
    public void RefusesWhileEveryCrlOfTheIssuerIsPastItsNextUpdateAndNamesTheCrl()
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net");
        var nextUpdate = TestPki.Now.AddHours(-1);
        byte[] stale = pki.Crl(nextUpdate);
        using var trust = new CertificateTrust([X509CertificateLoader.LoadCertificate(pki.Ca.RawData)], [RevocationList.Parse(stale, "/etc/mpsa/ca.crl")]);
        Assert.That(Validate(trust, cred, Fqdn("cpe1.example.net")), Is.EqualTo(
            "revocation of certificate 'C=CH, O=mpsa test, CN=cpe1.example.net' (serial 01000000) unknown: CRL /etc/mpsa/ca.crl of "
            + "'C=CH, O=mpsa test, CN=mpsa test CA' is past its nextUpdate 2026-06-01 11:00:00Z; refused until a current CRL is loaded"));
        Assert.That(Validate(trust, cred, Fqdn("cpe1.example.net"), at: nextUpdate), Is.Null, "up to its nextUpdate the CRL stands");
        Assert.That(trust.Recheck([cred.Certificate.RawData], TestPki.Now), Does.Contain("CRL /etc/mpsa/ca.crl"), "a reload rechecks it too");

        using var renewed = new CertificateTrust([X509CertificateLoader.LoadCertificate(pki.Ca.RawData)],
            [RevocationList.Parse(stale, "/etc/mpsa/ca.crl"), RevocationList.Parse(pki.Crl(TestPki.Now.AddDays(1)), "/etc/mpsa/ca-new.crl")]);
        Assert.That(Validate(renewed, cred, Fqdn("cpe1.example.net")), Is.Null, "a current CRL of the same CA next to it");

        using var forever = new CertificateTrust([X509CertificateLoader.LoadCertificate(pki.Ca.RawData)],
            [RevocationList.Parse(pki.CrlWithoutNextUpdate(), "/etc/mpsa/forever.crl")]);
        Assert.That(Validate(forever, cred, Fqdn("cpe1.example.net")),
            Does.Contain("CRL /etc/mpsa/forever.crl of 'C=CH, O=mpsa test, CN=mpsa test CA' is without a nextUpdate"));
    }

    [Test]
    public void IgnoresACrlSignedByAnotherCa()
    {
        using var pki = new TestPki();
        using var other = new TestPki(name: "C=CH, O=mpsa test, CN=mpsa test CA");   // same name, other key
        using var cred = pki.Issue("cpe1.example.net");
        using var trust = pki.Trust(other.Crl(cred.Certificate));
        Assert.That(Validate(trust, cred, Fqdn("cpe1.example.net")), Is.Null);
    }

    [Test]
    public void BindsADnIdentityToTheSubjectAsRfc5280ComparesNamesNotAsText()
    {
        using var pki = new TestPki();
        var name = new X500DistinguishedNameBuilder();
        name.AddOrganizationName("Example, CN=controller");   // one RDN whose value holds a comma and "CN="
        using var cred = pki.Issue("controller.example.net", subjectName: name.Build());
        using var trust = pki.Trust();
        var lookalike = IdentificationPayload.FromText(PayloadType.IDr, "O=Example, CN=controller");
        Assert.That(Validate(trust, cred, lookalike), Is.EqualTo("identity ID_DER_ASN1_DN 'O=Example, CN=controller' is not in the certificate "
            + @"of 'O=Example\, CN=controller' (subjectAltName: controller.example.net)"));
        Assert.That(cred.Identity(PayloadType.IDr, "O=Example, CN=controller").Data, Is.Not.EqualTo(cred.Certificate.SubjectName.RawData));
        // Escaped or quoted, in another case and spacing, it is the subject: bound, and sent as the subject's own DER.
        Assert.That(Validate(trust, cred, IdentificationPayload.FromText(PayloadType.IDr, @"o = EXAMPLE\,  cn=Controller")), Is.Null);
        Assert.That(cred.Identity(PayloadType.IDr, "O=\"example, CN=CONTROLLER\"").Data, Is.EqualTo(cred.Certificate.SubjectName.RawData));
    }

    [Test]
    public void BindsASubjectWrittenInAnotherCaseAndSpacing()
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net");
        using var trust = pki.Trust();
        var id = IdentificationPayload.FromText(PayloadType.IDi, "c=ch,o=MPSA  Test ,  cn=CPE1.example.net");
        Assert.That(id.IdType, Is.EqualTo(IdType.ID_DER_ASN1_DN));
        Assert.That(Validate(trust, cred, id), Is.Null);
        Assert.That(Validate(trust, cred, IdentificationPayload.FromText(PayloadType.IDi, "C=CH, O=mpsa test, CN=cpe2.example.net")),
            Does.Contain("is not in the certificate"));
    }

    [Test]
    public void RejectsAnIdentityTheCertificateDoesNotName()
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net");
        using var trust = pki.Trust();
        Assert.That(Validate(trust, cred, Fqdn("cpe2.example.net")), Does.Contain("identity ID_FQDN 'cpe2.example.net' is not in the certificate").And.Contain("cpe1.example.net"));
        Assert.That(Validate(trust, cred, Fqdn("cpe1@example.net")), Does.Contain("ID_RFC822_ADDR"));
    }

    [Test]
    public void RejectsACertificateWithoutDigitalSignatureKeyUsage()
    {
        using var pki = new TestPki();
        using var cred = pki.Issue("cpe1.example.net", usage: X509KeyUsageFlags.KeyEncipherment);
        using var trust = pki.Trust();
        Assert.That(Validate(trust, cred, Fqdn("cpe1.example.net")), Does.Contain("does not allow digitalSignature"));
    }

    [Test]
    public void RejectsGarbageInsteadOfACertificate()
    {
        using var pki = new TestPki();
        using var trust = pki.Trust();
        var verdict = trust.Validate([new CertificatePayload(CertEncoding.X509_CERTIFICATE_SIGNATURE, [0x30, 0x03, 0x02, 0x01, 0x00])], Fqdn("x"), TestPki.Now);
        Assert.That(verdict.Failure, Does.Contain("not a valid X.509 certificate"));
        Assert.That(trust.Validate([], Fqdn("x"), TestPki.Now).Failure, Does.Contain("no X.509 certificate"));
    }

    /// <summary>CERTREQ names the CA by SHA-1 over its subjectPublicKeyInfo (RFC 7296 §3.7), as openssl computes it.</summary>
    [Test]
    public void RequestsCertificatesByTheSha1OfTheCaKeyInfo()
    {
        using var pki = new TestPki();
        using var trust = pki.Trust();
        string dir = Directory.CreateTempSubdirectory("mpsa-certreq").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "ca.pem"), pki.Ca.ExportCertificatePem());
            var p = Process.Start(new ProcessStartInfo("sh", ["-c", "openssl x509 -in ca.pem -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha1 -r"])
            { WorkingDirectory = dir, RedirectStandardOutput = true })!;
            string expected = p.StandardOutput.ReadToEnd().Split(' ')[0];
            p.WaitForExit();
            var certreq = trust.CertificateRequest();
            Assert.That(certreq.Encoding, Is.EqualTo(CertEncoding.X509_CERTIFICATE_SIGNATURE));
            Assert.That(Convert.ToHexStringLower(certreq.Data), Is.EqualTo(expected));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
