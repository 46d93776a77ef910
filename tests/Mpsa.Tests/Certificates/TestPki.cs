using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mpsa.Ike.Certificates;

namespace Mpsa.Tests.Certificates;

/// <summary>A small PKI made in the test with .NET's CertificateRequest: a CA, end-entity certificates, a CRL.</summary>
internal sealed class TestPki : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly AsymmetricAlgorithm _caKey;
    private int _serial = 1;

    public TestPki(bool ecdsa = false, string name = "C=CH, O=mpsa test, CN=mpsa test CA")
    {
        _caKey = ecdsa ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(2048);
        var request = Request(new X500DistinguishedName(Reverse(name)), _caKey);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(Now.AddYears(-1), Now.AddYears(5));
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>"C=CH, O=x, CN=y" (DER order) as .NET's parser wants it (last RDN first).</summary>
    public static string Reverse(string dn) => string.Join(", ", dn.Split(", ").Reverse());

    /// <summary>An end-entity certificate with its key; <paramref name="dns"/> as subjectAltName dNSName. The subject is
    /// <paramref name="subjectName"/>, else <paramref name="subject"/> (plain "C=.., O=.." text), else C=CH, O=mpsa test, CN=dns.</summary>
    public CertificateCredential Issue(string dns, bool ecdsa = false, int ecBits = 256, DateTimeOffset? notAfter = null,
        X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature, string? subject = null, bool pss = false,
        X500DistinguishedName? subjectName = null)
    {
        AsymmetricAlgorithm key = ecdsa ? ECDsa.Create(ecBits == 384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256) : RSA.Create(2048);
        var request = Request(subjectName ?? new X500DistinguishedName(Reverse(subject ?? $"C=CH, O=mpsa test, CN={dns}")), key);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        var until = notAfter ?? Now.AddYears(1);
        var generator = _caKey is RSA rsa ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1) : X509SignatureGenerator.CreateForECDsa((ECDsa)_caKey);
        using var issued = request.Create(Ca.SubjectName, generator, until.AddYears(-2), until, BitConverter.GetBytes(_serial++));
        return new CertificateCredential(X509CertificateLoader.LoadCertificate(issued.RawData), [], key, pss);
    }

    /// <summary>A DER CRL of this CA revoking <paramref name="revoked"/>, made by .NET (not by the parser under test).</summary>
    public byte[] Crl(params X509Certificate2[] revoked) => Crl(Now.AddDays(7), revoked);

    /// <summary>A CRL whose nextUpdate is <paramref name="nextUpdate"/>, issued eight days before it.</summary>
    public byte[] Crl(DateTimeOffset nextUpdate, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var c in revoked)
        {
            builder.AddEntry(c, nextUpdate.AddDays(-8));
        }
        return builder.Build(Ca, BigInteger.One, nextUpdate, HashAlgorithmName.SHA256, _caKey is RSA ? RSASignaturePadding.Pkcs1 : null, nextUpdate.AddDays(-8));
    }

    /// <summary>
    /// A CRL without nextUpdate (.NET's builder always writes one), written and signed here with the CA's RSA key:
    /// CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue } (RFC 5280 §5.1).
    /// </summary>
    public byte[] CrlWithoutNextUpdate()
    {
        var algorithm = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (algorithm.PushSequence())
        {
            algorithm.WriteObjectIdentifier("1.2.840.113549.1.1.11");   // sha256WithRSAEncryption
            algorithm.WriteNull();
        }
        byte[] algorithmId = algorithm.Encode();
        var tbs = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(1);   // v2
            tbs.WriteEncodedValue(algorithmId);
            tbs.WriteEncodedValue(Ca.SubjectName.RawData);
            tbs.WriteUtcTime(Now.AddDays(-1));
        }
        byte[] tbsBytes = tbs.Encode();
        var list = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (list.PushSequence())
        {
            list.WriteEncodedValue(tbsBytes);
            list.WriteEncodedValue(algorithmId);
            list.WriteBitString(((RSA)_caKey).SignData(tbsBytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        return list.Encode();
    }

    public CertificateTrust Trust(params byte[][] crls) =>
        new([X509CertificateLoader.LoadCertificate(Ca.RawData)], [.. crls.Select(c => RevocationList.Parse(c))]);

    public CertificateAuth Auth(CertificateCredential credential, params byte[][] crls) =>
        new(credential, Trust(crls)) { Now = () => Now };

    private static CertificateRequest Request(X500DistinguishedName name, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => new CertificateRequest(name, ec, HashAlgorithmName.SHA256),
        _ => throw new ArgumentException("RSA or ECDSA", nameof(key)),
    };

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}
