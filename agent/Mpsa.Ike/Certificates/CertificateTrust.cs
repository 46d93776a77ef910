using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Certificates;

/// <summary>
/// What we trust: the configured CAs and their CRLs. Validates a peer's CERT payloads: the chain to a CA at a given
/// time (RFC 5280 §6 through X509Chain, no downloads), key usage, revocation, and the IKE identity binding. A CA with a
/// configured CRL needs a current one: when every CRL of the issuer is past its nextUpdate, what it issued is refused.
/// </summary>
public sealed class CertificateTrust(IReadOnlyList<X509Certificate2> authorities, IReadOnlyList<RevocationList> revocationLists) : IDisposable
{
    public IReadOnlyList<X509Certificate2> Authorities { get; } = authorities;

    public IReadOnlyList<RevocationList> RevocationLists { get; } = revocationLists;

    /// <summary>CERTREQ Certification Authority data: SHA-1 of each CA's subjectPublicKeyInfo, concatenated (RFC 7296 §3.7).</summary>
    public CertificateRequestPayload CertificateRequest()
    {
        var hashes = new List<byte>();
        foreach (var ca in Authorities)
        {
            hashes.AddRange(KeyHash(ca));
        }
        return new(CertEncoding.X509_CERTIFICATE_SIGNATURE, [.. hashes]);
    }

#pragma warning disable CA5350 // RFC 7296 §3.7 names a CA by the SHA-1 of its key; it identifies, it protects nothing.
    private static byte[] KeyHash(X509Certificate2 ca) => SHA1.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo());
#pragma warning restore CA5350

    public CertificateVerdict Validate(IEnumerable<CertificatePayload> payloads, IdentificationPayload? id, DateTimeOffset now)
    {
        var x509 = new List<CertificatePayload>();
        foreach (var p in payloads)
        {
            if (p.Encoding == CertEncoding.X509_CERTIFICATE_SIGNATURE)
            {
                x509.Add(p);
            }
        }
        if (x509.Count == 0)
        {
            return CertificateVerdict.Refused("no X.509 certificate (CERT encoding 4) sent");
        }
        var certs = new List<X509Certificate2>();
        try
        {
            foreach (var p in x509)
            {
                certs.Add(X509CertificateLoader.LoadCertificate(p.Data));
            }
        }
        catch (CryptographicException)
        {
            DisposeAll(certs);
            return CertificateVerdict.Refused("a CERT payload is not a valid X.509 certificate");
        }
        var leaf = certs[0];
        var extra = certs.GetRange(1, certs.Count - 1);
        string? failure = Check(leaf, extra, id, now);
        DisposeAll(extra);
        if (failure is not null)
        {
            leaf.Dispose();
            return CertificateVerdict.Refused(failure);
        }
        return new CertificateVerdict(leaf, null);
    }

    /// <summary>Rechecks certificates that authenticated earlier (chain, validity, key usage, revocation; the identity
    /// was bound then): null when they still pass, otherwise why not. For a reload with a new CRL or CA.</summary>
    public string? Recheck(IReadOnlyList<byte[]> certificates, DateTimeOffset now)
    {
        var payloads = new List<CertificatePayload>(certificates.Count);
        foreach (byte[] c in certificates)
        {
            payloads.Add(new CertificatePayload(CertEncoding.X509_CERTIFICATE_SIGNATURE, c));
        }
        var verdict = Validate(payloads, null, now);
        verdict.Certificate?.Dispose();
        return verdict.Failure;
    }

    private string? Check(X509Certificate2 leaf, List<X509Certificate2> extra, IdentificationPayload? id, DateTimeOffset now)
    {
        string subject = IdentityBinding.Subject(leaf);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var ca in Authorities)
        {
            chain.ChainPolicy.CustomTrustStore.Add(ca);
        }
        chain.ChainPolicy.ExtraStore.AddRange(extra.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(leaf))
        {
            return ChainFailure(chain, subject);
        }
        if (KeyUsage(leaf) is { } ku
            && (ku.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) == 0)
        {
            return $"certificate '{subject}' key usage ({ku.KeyUsages}) does not allow digitalSignature";
        }
        for (int i = 0; i + 1 < chain.ChainElements.Count; i++)
        {
            var cert = chain.ChainElements[i].Certificate;
            var issuer = chain.ChainElements[i + 1].Certificate;
            var lists = new List<RevocationList>();
            foreach (var crl in RevocationLists)
            {
                if (crl.IsSignedBy(issuer))
                {
                    lists.Add(crl);
                }
            }
            if (lists.Exists(crl => crl.IsRevoked(cert)))
            {
                return $"certificate '{IdentityBinding.Subject(cert)}' (serial {cert.SerialNumber}) is revoked by the CRL of '{IdentityBinding.Subject(issuer)}'";
            }
            if (lists.Count > 0 && !lists.Exists(crl => crl.IsCurrentAt(now)))
            {
                var stale = Latest(lists);
                return $"revocation of certificate '{IdentityBinding.Subject(cert)}' (serial {cert.SerialNumber}) unknown: "
                    + $"CRL {PeerText.Escape(stale.Source)} of '{IdentityBinding.Subject(issuer)}' is {Expiry(stale)}; "
                    + "refused until a current CRL is loaded";
            }
        }
        return id is null ? null : IdentityBinding.Check(id, leaf);
    }

    private static X509KeyUsageExtension? KeyUsage(X509Certificate2 cert)
    {
        foreach (var extension in cert.Extensions)
        {
            if (extension is X509KeyUsageExtension ku)
            {
                return ku;
            }
        }
        return null;
    }

    /// <summary>The first of the CRLs with the latest nextUpdate (none counts as earliest).</summary>
    private static RevocationList Latest(List<RevocationList> lists)
    {
        var latest = lists[0];
        foreach (var crl in lists)
        {
            if ((crl.NextUpdate ?? DateTimeOffset.MinValue) > (latest.NextUpdate ?? DateTimeOffset.MinValue))
            {
                latest = crl;
            }
        }
        return latest;
    }

    /// <summary>How a CRL is out of date, for messages: <c>past its nextUpdate 2026-06-08 12:00:00Z</c>.</summary>
    public static string Expiry(RevocationList crl) =>
        crl.NextUpdate is { } next ? $"past its nextUpdate {next.ToUniversalTime():u}" : "without a nextUpdate";

    private static string ChainFailure(X509Chain chain, string subject)
    {
        foreach (var element in chain.ChainElements)
        {
            var flags = Flags(element.ChainElementStatus);
            var c = element.Certificate;
            if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
            {
                return $"certificate '{IdentityBinding.Subject(c)}' is outside its validity period ({c.NotBefore.ToUniversalTime():u} to {c.NotAfter.ToUniversalTime():u}): expired or not yet valid";
            }
        }
        var all = Flags(chain.ChainStatus);
        if ((all & (X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot)) != 0)
        {
            return $"certificate '{subject}' is not issued by a configured CA ({all})";
        }
        return $"certificate '{subject}' does not validate: {string.Join("; ", Array.ConvertAll(chain.ChainStatus, s => s.StatusInformation.Trim()))} ({all})";
    }

    private static X509ChainStatusFlags Flags(X509ChainStatus[] statuses)
    {
        var flags = X509ChainStatusFlags.NoError;
        foreach (var s in statuses)
        {
            flags |= s.Status;
        }
        return flags;
    }

    private static void DisposeAll(IEnumerable<X509Certificate2> certs)
    {
        foreach (var c in certs)
        {
            c.Dispose();
        }
    }

    public void Dispose() => DisposeAll(Authorities);
}
