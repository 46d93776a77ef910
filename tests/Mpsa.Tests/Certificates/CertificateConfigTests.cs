using Mpsa.Agent.Config;
using Mpsa.Controller;
using Mpsa.Hosting;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Certificates;

namespace Mpsa.Tests.Certificates;

/// <summary>certificate / private_key / ca / crl in both daemons' files: what is read, and each mistake at its line.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CertificateConfigTests
{
    private const string ConfPath = "/etc/mpsa/test.conf";
    private string _dir = "";
    private TestPki _pki = null!;

    [SetUp]
    public void MakeFiles()
    {
        _dir = Directory.CreateTempSubdirectory("mpsa-certconf").FullName;
        _pki = new TestPki();
        using var cpe = _pki.Issue("cpe1.example.net");
        using var other = _pki.Issue("cpe2.example.net");
        using var elsewhere = new TestPki(name: "C=CH, O=elsewhere, CN=other CA");
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), _pki.Ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "cpe.pem"), cpe.Certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "other.pem"), other.Certificate.ExportCertificatePem());
        WriteKey("cpe.key", cpe.PrivateKey.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteKey("open.key", cpe.PrivateKey.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        WriteKey("other.key", other.PrivateKey.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(_dir, "ca.crl"), PemEncodingCrl(_pki.Crl()));
        File.WriteAllBytes(Path.Combine(_dir, "elsewhere.crl"), elsewhere.Crl());
    }

    [TearDown]
    public void RemoveFiles()
    {
        _pki.Dispose();
        Directory.Delete(_dir, true);
    }

    private void WriteKey(string name, string pem, UnixFileMode mode)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, pem);
        File.SetUnixFileMode(path, mode);
    }

    private static string PemEncodingCrl(byte[] der) => new(System.Security.Cryptography.PemEncoding.Write("X509 CRL", der));

    private string Agent(string auth) => $"""
        [agent]
        identity = cpe1.example.net
        {auth.Replace("DIR", _dir, StringComparison.Ordinal)}
        [controller]
        address = 192.0.2.1
        identity = controller.example.net
        """;

    private static (AgentSettings? Settings, string[] Errors) ReadAgent(string text)
    {
        ConfigReader.TryRead(IniFile.Parse(ConfPath, text), r => AgentConfigFile.Read(r, _ => { }), out var s, out var errors);
        return (s, [.. errors.Select(e => e.ToString())]);
    }

    [Test]
    public void ReadsTheAgentsCertificateKeyCaAndCrl()
    {
        var (s, errors) = ReadAgent(Agent("certificate = DIR/cpe.pem\nprivate_key = DIR/cpe.key\nca = DIR/ca.pem\ncrl = DIR/ca.crl"));
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Psk, Is.Null);
        Assert.That(s.Certificates!.Credential.Certificate.Subject, Does.Contain("cpe1.example.net"));
        Assert.That(s.Certificates.Trust.RevocationLists, Has.Count.EqualTo(1));
    }

    [TestCase("certificate = DIR/cpe.pem\nprivate_key = DIR/open.key\nca = DIR/ca.pem", 4, "private_key: DIR/open.key has mode 0644: group or others may read the private key (chmod 600)")]
    [TestCase("certificate = DIR/cpe.pem\nprivate_key = DIR/other.key\nca = DIR/ca.pem", 4, "private_key: DIR/other.key is not the key of the certificate 'C=CH, O=mpsa test, CN=cpe1.example.net'")]
    [TestCase("certificate = DIR/cpe.pem\nprivate_key = DIR/cpe.key\nca = DIR/ca.pem\ncrl = DIR/elsewhere.crl", 6, "crl: DIR/elsewhere.crl: not signed by a configured CA")]
    [TestCase("certificate = DIR/cpe.pem\nprivate_key = DIR/cpe.key\nca = DIR/ca.pem\npsk = \"x\"", 3, "certificate: give either psk/psk_file or certificate/private_key/ca, not both")]
    [TestCase("certificate = DIR/cpe.pem\nprivate_key = DIR/cpe.key", 1, "ca: missing")]
    [TestCase("certificate = DIR/other.pem\nprivate_key = DIR/other.key\nca = DIR/ca.pem", 2, "identity: identity ID_FQDN 'cpe1.example.net' is not in the certificate of 'C=CH, O=mpsa test, CN=cpe2.example.net'")]
    [TestCase("certificate = DIR/ca.crl\nprivate_key = DIR/cpe.key\nca = DIR/ca.pem", 3, "certificate: DIR/ca.crl: no CERTIFICATE in the PEM file")]
    public void ReportsEachCertificateMistakeAtItsLine(string auth, int line, string message)
    {
        var (_, errors) = ReadAgent(Agent(auth));
        Assert.That(errors, Has.Some.StartsWith($"{ConfPath}:{line}: {message.Replace("DIR", _dir, StringComparison.Ordinal)}"), string.Join("\n", errors));
    }

    [Test]
    public void WarnsOfACrlPastItsNextUpdateAndRefusesOneWithout()
    {
        File.WriteAllBytes(Path.Combine(_dir, "stale.crl"), _pki.Crl(DateTimeOffset.UtcNow.AddDays(-1)));
        File.WriteAllBytes(Path.Combine(_dir, "fresh.crl"), _pki.Crl(DateTimeOffset.UtcNow.AddDays(30)));
        File.WriteAllBytes(Path.Combine(_dir, "forever.crl"), _pki.CrlWithoutNextUpdate());
        string Read(string crl, List<ConfigError> warnings)
        {
            var text = Agent($"certificate = DIR/cpe.pem\nprivate_key = DIR/cpe.key\nca = DIR/ca.pem\ncrl = DIR/{crl}");
            ConfigReader.TryRead(IniFile.Parse(ConfPath, text), r => AgentConfigFile.Read(r, warnings.Add), out _, out var errors);
            return string.Join("\n", errors);
        }
        var warnings = new List<ConfigError>();
        Assert.That(Read("stale.crl", warnings), Is.Empty, "it loads: the peers it covers are refused, each with a line naming it");
        Assert.That(warnings.Single().ToString(), Does.StartWith($"{_dir}/stale.crl: CRL of 'C=CH, O=mpsa test, CN=mpsa test CA' is past its nextUpdate ")
            .And.EndWith(": the certificates it covers are refused until a current CRL is loaded"));
        warnings.Clear();
        Assert.That(Read("fresh.crl", warnings), Is.Empty);
        Assert.That(warnings, Is.Empty);
        Assert.That(Read("forever.crl", warnings), Is.EqualTo(
            $"{ConfPath}:6: crl: {_dir}/forever.crl: no nextUpdate, so it would never be out of date (RFC 5280 §5.1.2.5 requires one)"));
    }

    [Test]
    public void AControllerMemberWithoutPskAuthenticatesByCertificate()
    {
        string text = $"""
            [controller]
            identity = cpe1.example.net
            certificate = {_dir}/cpe.pem
            private_key = {_dir}/cpe.key
            ca = {_dir}/ca.pem
            [group office]
            [member a]
            identity = C=CH,O=mpsa test,  CN=a
            group = office
            [member b]
            identity = b.example.net
            psk = "a secret"
            group = office
            """;
        ConfigReader.TryRead(IniFile.Parse(ConfPath, text), r => ControllerConfigFile.Read(r, _ => { }), out var s, out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Certificates, Is.Not.Null);
        Assert.That(s.Members.Single(m => m.Name == "a").Psk, Is.Null);
        Assert.That(s.Members.Single(m => m.Name == "b").Psk, Is.Not.Null);
        // The DN as a certificate subject carries it (.NET writes the last RDN first), whatever the blanks in the file.
        var subject = new System.Security.Cryptography.X509Certificates.X500DistinguishedName("CN=a, O=mpsa test, C=CH");
        Assert.That(ControllerConfigFile.IdentityKey(s.Members.Single(m => m.Name == "a").Identity),
            Is.EqualTo(new IdentificationPayload(PayloadType.IDi, IdType.ID_DER_ASN1_DN, subject.RawData).MatchKey()));
    }

    [Test]
    public void AControllerWithoutCertificatesStillWantsEachMembersPsk()
    {
        string text = """
            [controller]
            identity = controller.example.net
            [group office]
            [member a]
            identity = a.example.net
            group = office
            """;
        ConfigReader.TryRead(IniFile.Parse(ConfPath, text), r => ControllerConfigFile.Read(r, _ => { }), out _, out var errors);
        Assert.That(errors.Select(e => e.ToString()), Has.Some.Contains("missing psk"));
    }
}
