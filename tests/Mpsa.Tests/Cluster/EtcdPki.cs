using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mpsa.Tests.Cluster;

/// <summary>PEM files for etcd over TLS, made with .NET's CertificateRequest in <paramref name="directory"/>: a CA, a server
/// certificate for 127.0.0.1 (etcd's --cert-file), a client certificate (for --client-cert-auth), and a second CA that
/// signed neither. Keys are mode 0600.</summary>
internal sealed class EtcdPki
{
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public EtcdPki(string directory)
    {
        Directory = directory;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = SelfSigned("mpsa etcd test CA", caKey);
        Write(Ca, ca.ExportCertificatePem());
        Issue(ca, caKey, "127.0.0.1", server: true, ServerCert, ServerKey);
        Issue(ca, caKey, "mpsa-controller", server: false, ClientCert, ClientKey);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = SelfSigned("another CA", otherKey);
        Write(OtherCa, other.ExportCertificatePem());
    }

    public string Directory { get; }

    public string Ca => Path.Combine(Directory, "ca.pem");

    public string OtherCa => Path.Combine(Directory, "other-ca.pem");

    public string ServerCert => Path.Combine(Directory, "server.pem");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string ClientCert => Path.Combine(Directory, "client.pem");

    public string ClientKey => Path.Combine(Directory, "client.key");

    private static X509Certificate2 SelfSigned(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private void Issue(X509Certificate2 ca, ECDsa caKey, string name, bool server, string certPath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (server)
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
        }
        else
        {
            san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // etcd checks a client certificate for clientAuth; both usages let either side use either file.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        Write(certPath, issued.ExportCertificatePem());
        Write(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static void Write(string path, string pem) => File.WriteAllText(path, pem + "\n");
}
