using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mpsa.Hosting;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// TLS to etcd (<c>https://</c> URLs): <c>etcd_ca</c>, the CA(s) that sign the etcd members' server certificates (PEM;
/// without it, the system's trust store), and <c>etcd_cert</c> + <c>etcd_key</c>, the client certificate etcd asks for
/// under <c>--client-cert-auth</c> (PEM, the key unencrypted and mode 0600). The server certificate must name the host
/// of the URL (an IP address SAN for an address), as any TLS client checks.
/// </summary>
internal sealed class EtcdTls(X509Certificate2Collection? authorities, SslStreamCertificateContext? client)
{
    private static readonly string[] Keys = ["etcd_ca", "etcd_cert", "etcd_key"];

    /// <summary>The CAs trusted for etcd's certificate, instead of the system's; null: the system's.</summary>
    public X509Certificate2Collection? Authorities { get; } = authorities;

    /// <summary>The certificate (and its chain) shown to etcd; null: none.</summary>
    public SslStreamCertificateContext? Client { get; } = client;

    /// <summary>The TLS keys of the section; null when it uses http:// (then they are refused) or has none of them.</summary>
    public static EtcdTls? Read(ConfigSection c, bool https)
    {
        string? ca = ClusterFiles.Path(c, "etcd_ca");
        string? cert = ClusterFiles.Path(c, "etcd_cert");
        string? key = ClusterFiles.Path(c, "etcd_key");
        if (!https)
        {
            foreach (string k in Keys.Where(c.Has))
            {
                c.Report(k, "only for https:// etcd URLs (etcd is reached over http://)");
            }
            return null;
        }
        if ((cert is null) != (key is null))
        {
            c.Report(cert is null ? "etcd_cert" : "etcd_key", cert is null
                ? "missing: etcd_key is the key of a client certificate (etcd_cert = FILE)"
                : "missing: the client certificate's private key (etcd_key = FILE)");
            return null;
        }
        var authorities = ca is null ? null : LoadAuthorities(c, ca);
        var client = cert is null || key is null ? null : LoadClient(c, cert, key);
        return new EtcdTls(authorities, client);
    }

    /// <summary>Applies these options to each TLS connection to an etcd member.</summary>
    public void Configure(SslClientAuthenticationOptions ssl)
    {
        if (Authorities is { } authorities)
        {
            // Only these CAs make a chain. Private etcd CAs publish no revocation lists to fetch.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(authorities);
            ssl.CertificateChainPolicy = policy;
        }
        if (Client is { } client)
        {
            ssl.ClientCertificateContext = client;
        }
    }

    private static X509Certificate2Collection? LoadAuthorities(ConfigSection c, string path)
    {
        var certificates = LoadPem(c, "etcd_ca", path);
        if (certificates is { Count: 0 })
        {
            c.Report("etcd_ca", $"{path}: no CERTIFICATE in the PEM file");
        }
        return certificates is { Count: > 0 } ? certificates : null;
    }

    private static SslStreamCertificateContext? LoadClient(ConfigSection c, string certPath, string keyPath)
    {
        var chain = LoadPem(c, "etcd_cert", certPath);
        if (chain is { Count: 0 })
        {
            c.Report("etcd_cert", $"{certPath}: no CERTIFICATE in the PEM file");
        }
        if (chain is not { Count: > 0 } || !ClusterFiles.IsPrivate(c, "etcd_key", keyPath, "the private key"))
        {
            return null;
        }
        try
        {
            // The first certificate with its key; any after it are the intermediates sent along.
            var leaf = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            var intermediates = new X509Certificate2Collection(chain.Skip(1).ToArray());
            return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            c.Report("etcd_key", $"cannot read {keyPath}: {e.Message}");
        }
        // Not a key (CryptographicException), or the key of another certificate (ArgumentException).
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            c.Report("etcd_key", $"{keyPath}: not the unencrypted PEM private key of the certificate in {certPath}");
        }
        return null;
    }

    private static X509Certificate2Collection? LoadPem(ConfigSection c, string key, string path)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            return certificates;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            c.Report(key, $"cannot read {path}: {e.Message}");
        }
        catch (CryptographicException)
        {
            c.Report(key, $"{path}: not a PEM file of X.509 certificates");
        }
        return null;
    }
}
