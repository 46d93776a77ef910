using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mpsa.Ike.Certificates;

/// <summary>
/// An X.509 CRL (RFC 5280 §5.1), read for what revocation needs: issuer, update times, revoked serial numbers,
/// and the signature to check against the issuing CA.
/// <code>
/// CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
/// TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name, thisUpdate Time,
///     nextUpdate Time OPTIONAL, revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time,
///     crlEntryExtensions OPTIONAL } OPTIONAL, crlExtensions [0] EXPLICIT Extensions OPTIONAL }
/// </code>
/// </summary>
public sealed class RevocationList
{
    private readonly HashSet<string> _revoked;
    private readonly byte[] _tbs;
    private readonly byte[] _signatureAlgorithm;
    private readonly byte[] _signature;

    private RevocationList(string source, byte[] issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate,
        HashSet<string> revoked, byte[] tbs, byte[] signatureAlgorithm, byte[] signature)
    {
        Source = source;
        IssuerName = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revoked = revoked;
        _tbs = tbs;
        _signatureAlgorithm = signatureAlgorithm;
        _signature = signature;
    }

    /// <summary>Where it was read from (a file path), for messages.</summary>
    public string Source { get; }

    /// <summary>The issuer's Name, DER.</summary>
    public byte[] IssuerName { get; }

    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When the issuer publishes the next CRL (RFC 5280 §5.1.2.5); after it, this one is out of date.</summary>
    public DateTimeOffset? NextUpdate { get; }

    public int Count => _revoked.Count;

    /// <summary>Parses a DER CRL read from <paramref name="source"/>; throws <see cref="FormatException"/> saying what is
    /// wrong.</summary>
    public static RevocationList Parse(byte[] der, string source = "(a CRL not from a file)")
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var list = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            byte[] tbsBytes = list.PeekEncodedValue().ToArray();
            var tbs = list.ReadSequence();
            byte[] signatureAlgorithm = list.ReadEncodedValue().ToArray();
            byte[] signature = list.ReadBitString(out int unused);
            if (unused != 0)
            {
                throw new FormatException("CRL signature has unused bits");
            }
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger();
            }
            tbs.ReadEncodedValue();
            byte[] issuer = tbs.ReadEncodedValue().ToArray();
            var thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
            var revoked = new HashSet<string>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(SerialKey(entry.ReadIntegerBytes().Span));
                }
            }
            return new RevocationList(source, issuer, thisUpdate, nextUpdate, revoked, tbsBytes, signatureAlgorithm, signature);
        }
        catch (AsnContentException e)
        {
            throw new FormatException($"not a DER X.509 CRL ({e.Message})", e);
        }
    }

    /// <summary>True when <paramref name="issuer"/> is named as this CRL's issuer and its key verifies the CRL's signature.</summary>
    public bool IsSignedBy(X509Certificate2 issuer)
    {
        if (!issuer.SubjectName.RawData.AsSpan().SequenceEqual(IssuerName)
            || SignatureScheme.FromAlgorithmIdentifier(_signatureAlgorithm, out _) is not { } scheme)
        {
            return false;
        }
        using AsymmetricAlgorithm? key = scheme.Key == SignatureKey.Rsa ? issuer.GetRSAPublicKey() : issuer.GetECDsaPublicKey();
        return key is not null && scheme.Verify(key, _tbs, _signature);
    }

    /// <summary>
    /// Whether the CRL still speaks for its issuer at <paramref name="now"/>: until its nextUpdate. After that, or without
    /// one (RFC 5280 §5.1.2.5 requires it), it is unavailable, and so is the revocation status of what its issuer signed.
    /// </summary>
    public bool IsCurrentAt(DateTimeOffset now) => NextUpdate is { } next && now <= next;

    public bool IsRevoked(X509Certificate2 certificate) => _revoked.Contains(SerialKey(certificate.SerialNumberBytes.Span));

    /// <summary>A serial number as unsigned big-endian hex without leading zero octets.</summary>
    private static string SerialKey(ReadOnlySpan<byte> serial)
    {
        while (serial.Length > 1 && serial[0] == 0)
        {
            serial = serial[1..];
        }
        return Convert.ToHexStringLower(serial);
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.UtcTime)) || tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.GeneralizedTime));

    private static DateTimeOffset ReadTime(AsnReader r) =>
        r.PeekTag().HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.UtcTime)) ? r.ReadUtcTime() : r.ReadGeneralizedTime();
}
