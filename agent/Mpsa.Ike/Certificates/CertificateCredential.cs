using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Certificates;

/// <summary>Our certificate, the intermediates sent with it, and its private key (RSA or ECDSA).</summary>
public sealed class CertificateCredential(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> intermediates, AsymmetricAlgorithm privateKey, bool preferPss = false)
    : IDisposable
{
    public X509Certificate2 Certificate { get; } = certificate;

    public IReadOnlyList<X509Certificate2> Intermediates { get; } = intermediates;

    public AsymmetricAlgorithm PrivateKey { get; } = privateKey;

    /// <summary>RSA signs with RSASSA-PSS instead of PKCS#1 v1.5 (method 14 only).</summary>
    public bool PreferPss { get; } = preferPss;

    public SignatureKey KeyKind => PrivateKey is ECDsa ? SignatureKey.Ecdsa : SignatureKey.Rsa;

    /// <summary>Our ID payload: the identity as <see cref="IdentificationPayload.FromText"/> reads it (it must be a
    /// subjectAltName), or, when it is a DN equal to our subject (RFC 5280 §7.1), the subject's own DER.</summary>
    public IdentificationPayload Identity(PayloadType type, string identity)
    {
        var id = IdentificationPayload.FromText(type, identity);
        return id.IdType == IdType.ID_DER_ASN1_DN && DistinguishedName.Equal(id.Data, Certificate.SubjectName.RawData)
            ? new IdentificationPayload(type, IdType.ID_DER_ASN1_DN, Certificate.SubjectName.RawData)
            : id;
    }

    /// <summary>CERT payloads: ours first, then the chain (RFC 7296 §3.6, encoding 4).</summary>
    public IEnumerable<CertificatePayload> CertificatePayloads()
    {
        var payloads = new List<CertificatePayload> { Payload(Certificate) };
        foreach (var c in Intermediates)
        {
            payloads.Add(Payload(c));
        }
        return payloads;
    }

    private static CertificatePayload Payload(X509Certificate2 c) => new(CertEncoding.X509_CERTIFICATE_SIGNATURE, c.RawData);

    public void Dispose()
    {
        PrivateKey.Dispose();
        Certificate.Dispose();
        foreach (var c in Intermediates)
        {
            c.Dispose();
        }
    }
}
