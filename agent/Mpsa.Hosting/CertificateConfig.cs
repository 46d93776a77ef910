using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mpsa.Ike.Certificates;

namespace Mpsa.Hosting;

/// <summary>
/// Certificate authentication keys, the same in both daemons: <c>certificate</c> (ours, PEM or DER; a PEM file may
/// carry the intermediates after it), <c>private_key</c> (PEM, unencrypted, mode 0600), <c>ca</c> (trusted CAs, PEM or
/// DER, comma-separated paths), <c>crl</c> (optional CRLs of those CAs, PEM or DER; each needs a nextUpdate, and past
/// it the CA's certificates are refused until a current CRL is loaded) and <c>rsa_pss</c> (sign with RSASSA-PSS).
/// Relative paths are relative to the configuration file. Everything here loads libssl.
/// </summary>
internal static class CertificateConfig
{
    public static readonly string[] Keys = ["certificate", "private_key", "ca", "crl", "rsa_pss"];

    /// <summary>Whether any certificate key is set (and declares them all known).</summary>
    public static bool IsSet(ConfigSection section)
    {
        section.Allow(Keys);
        return Array.Exists(Keys, section.Has);
    }

    /// <param name="warn">Gets a CRL that is already past its nextUpdate (it loads; the peers it covers are refused).</param>
    public static CertificateAuth? Read(ConfigSection section, Action<ConfigError> warn)
    {
        string certificatePath = Resolve(section, section.String("certificate"));
        string keyPath = Resolve(section, section.String("private_key"));
        var caPaths = section.Optional("ca", ConfigValues.List(ConfigValues.NonEmptyString), null);
        if (caPaths is null)
        {
            section.Report("ca", "missing: the CA file(s) that issue the peers' certificates");
        }
        var crlPaths = section.List("crl");
        bool pss = section.Bool("rsa_pss", false);
        if (certificatePath.Length == 0 || keyPath.Length == 0 || caPaths is null)
        {
            return null;
        }
        var certs = LoadCertificates(section, "certificate", certificatePath);
        var authorities = new List<X509Certificate2>();
        foreach (string p in caPaths)
        {
            authorities.AddRange(LoadCertificates(section, "ca", Resolve(section, p)));
        }
        if (certs.Count == 0 || authorities.Count == 0 || LoadKey(section, keyPath, certs[0]) is not { } key)
        {
            return null;
        }
        var crls = new List<RevocationList>();
        var source = new StringBuilder();
        foreach (var c in (List<X509Certificate2>)[.. certs, .. authorities])
        {
            source.Append(c.Thumbprint).Append(' ');
        }
        foreach (string p in crlPaths)
        {
            string path = Resolve(section, p);
            if (LoadCrl(section, path, authorities, warn) is { } crl)
            {
                crls.Add(crl.List);
                source.Append(crl.Hash).Append(' ');
            }
        }
        return new CertificateAuth(new CertificateCredential(certs[0], certs[1..], key, pss), new CertificateTrust(authorities, crls))
        {
            Source = source.Append(pss).ToString(),
        };
    }

    /// <summary>Our identity must be in our certificate (a subjectAltName, or the subject DN), or every peer refuses it.</summary>
    public static void CheckIdentity(ConfigSection section, CertificateAuth? auth, string? identity)
    {
        if (auth is not null && !string.IsNullOrEmpty(identity)
            && IdentityBinding.Check(auth.Credential.Identity(Mpsa.Ike.Wire.PayloadType.IDi, identity), auth.Credential.Certificate) is { } why)
        {
            section.Report("identity", $"{why}: peers would refuse it");
        }
    }

    /// <summary>A path as written in the file: relative to the configuration file's directory.</summary>
    internal static string Resolve(ConfigSection section, string? path) =>
        string.IsNullOrEmpty(path) ? "" : System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(section.Path)) ?? "/", path);

    private static List<X509Certificate2> LoadCertificates(ConfigSection section, string key, string path)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) < 0)
            {
                return [X509CertificateLoader.LoadCertificate(bytes)];
            }
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(Encoding.ASCII.GetString(bytes));
            if (collection.Count == 0)
            {
                section.Report(key, $"{path}: no CERTIFICATE in the PEM file");
            }
            return [.. collection];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            section.Report(key, $"cannot read {path}: {FileErrorText.Of(e, path)}");
        }
        catch (CryptographicException)
        {
            section.Report(key, $"{path}: not an X.509 certificate (PEM or DER)");
        }
        return [];
    }

    private static AsymmetricAlgorithm? LoadKey(ConfigSection section, string path, X509Certificate2 certificate)
    {
        char[]? pem = null;
        AsymmetricAlgorithm? key = null;
        try
        {
            if (SecretFile.AllowsGroupOrOtherAccess(path))
            {
                string mode = OperatingSystem.IsWindows() ? "" : $" {SecretFile.FormatMode(File.GetUnixFileMode(path))}";
                section.Report("private_key", $"{path} has mode{mode}: group or others may read the private key (chmod 600)");
                return null;
            }
            pem = File.ReadAllText(path).ToCharArray();
            using (var ec = certificate.GetECDsaPublicKey())
            {
                key = ec is not null ? ECDsa.Create() : RSA.Create();
            }
            switch (key)
            {
                case ECDsa e:
                    e.ImportFromPem(pem);
                    break;
                case RSA r:
                    r.ImportFromPem(pem);
                    break;
            }
            if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
            {
                section.Report("private_key", $"{path} is not the key of the certificate '{IdentityBinding.Subject(certificate)}'");
                key.Dispose();
                return null;
            }
            return key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            section.Report("private_key", $"cannot read {path}: {FileErrorText.Of(e, path)}");
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            section.Report("private_key", $"{path}: not an unencrypted PEM {(key is ECDsa ? "EC" : "RSA")} private key (PKCS#8, or the RSA/EC form)");
        }
        finally
        {
            if (pem is not null)
            {
                Array.Clear(pem);
            }
        }
        key?.Dispose();
        return null;
    }

    private static (RevocationList List, string Hash)? LoadCrl(ConfigSection section, string path,
        List<X509Certificate2> authorities, Action<ConfigError> warn)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                var pem = Encoding.ASCII.GetString(bytes);
                if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != "X509 CRL")
                {
                    section.Report("crl", $"{path}: no X509 CRL in the PEM file");
                    return null;
                }
                bytes = Convert.FromBase64String(pem[fields.Base64Data]);
            }
            var crl = RevocationList.Parse(bytes, path);
            string issuer = Mpsa.Ike.Wire.DistinguishedName.FormatOrHex(crl.IssuerName);
            if (!authorities.Exists(crl.IsSignedBy))
            {
                section.Report("crl", $"{path}: not signed by a configured CA (issuer '{issuer}')");
                return null;
            }
            if (crl.NextUpdate is null)
            {
                section.Report("crl",
                    $"{path}: no nextUpdate, so it would never be out of date (RFC 5280 §5.1.2.5 requires one)");
                return null;
            }
            if (!crl.IsCurrentAt(DateTimeOffset.UtcNow))
            {
                warn(new ConfigError(path, 0, $"CRL of '{issuer}' is {CertificateTrust.Expiry(crl)}: the certificates it covers are "
                    + "refused until a current CRL is loaded"));
            }
            return (crl, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            section.Report("crl", $"cannot read {path}: {FileErrorText.Of(e, path)}");
        }
        catch (FormatException e)
        {
            section.Report("crl", $"{path}: {e.Message}");
        }
        return null;
    }
}
