using System.Formats.Asn1;
using System.Security.Cryptography;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Certificates;

public enum SignatureKey
{
    Rsa,
    Ecdsa,
}

/// <summary>
/// One RFC 7427 signature scheme: RSA PKCS#1 v1.5 or RSASSA-PSS, or ECDSA, over SHA-256/384/512, named on the wire by
/// its AlgorithmIdentifier (RFC 7427 Appendix A: the RSA ones with NULL parameters, PSS with RSASSA-PSS-params).
/// </summary>
public sealed record SignatureScheme(SignatureKey Key, HashAlgorithmName Hash, bool Pss = false)
{
    private const string RsaPssOid = "1.2.840.113549.1.1.10";
    private const string Mgf1Oid = "1.2.840.113549.1.1.8";

    public SignatureHash HashId => HashIdOf(Hash);

    public int HashLength => Hash == HashAlgorithmName.SHA512 ? 64 : Hash == HashAlgorithmName.SHA384 ? 48 : 32;

    public override string ToString() => $"{(Key == SignatureKey.Ecdsa ? "ecdsa" : Pss ? "rsa-pss" : "rsa-pkcs1")}-{Hash.Name!.ToLowerInvariant()}";

    /// <summary>The DER AlgorithmIdentifier that precedes the signature in method-14 AUTH data.</summary>
    public byte[] AlgorithmIdentifier()
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            if (Key == SignatureKey.Ecdsa)
            {
                w.WriteObjectIdentifier(EcdsaOid(Hash));
            }
            else if (!Pss)
            {
                w.WriteObjectIdentifier(RsaPkcs1Oid(Hash));
                w.WriteNull();
            }
            else
            {
                w.WriteObjectIdentifier(RsaPssOid);
                using (w.PushSequence())
                {
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                    {
                        WriteHashAlgorithm(w, Hash);
                    }
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier(Mgf1Oid);
                        WriteHashAlgorithm(w, Hash);
                    }
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
                    {
                        w.WriteInteger(HashLength);
                    }
                }
            }
        }
        return w.Encode();
    }

    /// <summary>Reads an AlgorithmIdentifier (of AUTH data or of a CRL); null with a reason when we do not accept it.
    /// PSS must use MGF1 with the same hash and a salt as long as the hash (what .NET verifies).</summary>
    public static SignatureScheme? FromAlgorithmIdentifier(ReadOnlySpan<byte> der, out string? problem)
    {
        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var seq = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            string oid = seq.ReadObjectIdentifier();
            problem = null;
            switch (oid)
            {
                case "1.2.840.113549.1.1.11": return new(SignatureKey.Rsa, HashAlgorithmName.SHA256);
                case "1.2.840.113549.1.1.12": return new(SignatureKey.Rsa, HashAlgorithmName.SHA384);
                case "1.2.840.113549.1.1.13": return new(SignatureKey.Rsa, HashAlgorithmName.SHA512);
                case "1.2.840.10045.4.3.2": return new(SignatureKey.Ecdsa, HashAlgorithmName.SHA256);
                case "1.2.840.10045.4.3.3": return new(SignatureKey.Ecdsa, HashAlgorithmName.SHA384);
                case "1.2.840.10045.4.3.4": return new(SignatureKey.Ecdsa, HashAlgorithmName.SHA512);
                case RsaPssOid: return ReadPss(seq, out problem);
                default:
                    problem = $"signature algorithm {oid} is not accepted";
                    return null;
            }
        }
        catch (AsnContentException)
        {
            problem = "signature AlgorithmIdentifier is not valid DER";
            return null;
        }
    }

    // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0], maskGenAlgorithm [1], saltLength [2] INTEGER, trailerField [3] } (RFC 4055 §3.1)
    private static SignatureScheme? ReadPss(AsnReader seq, out string? problem)
    {
        var p = seq.ReadSequence();
        string hashOid = "1.3.14.3.2.26", mgfHashOid = "1.3.14.3.2.26";
        int salt = 20;
        var tag0 = new Asn1Tag(TagClass.ContextSpecific, 0);
        var tag1 = new Asn1Tag(TagClass.ContextSpecific, 1);
        var tag2 = new Asn1Tag(TagClass.ContextSpecific, 2);
        if (p.HasData && p.PeekTag().HasSameClassAndValue(tag0))
        {
            var h = p.ReadSequence(tag0).ReadSequence();
            hashOid = h.ReadObjectIdentifier();
        }
        if (p.HasData && p.PeekTag().HasSameClassAndValue(tag1))
        {
            var mgf = p.ReadSequence(tag1).ReadSequence();
            if (mgf.ReadObjectIdentifier() != Mgf1Oid)
            {
                problem = "RSASSA-PSS with a mask generation function other than MGF1";
                return null;
            }
            mgfHashOid = mgf.ReadSequence().ReadObjectIdentifier();
        }
        if (p.HasData && p.PeekTag().HasSameClassAndValue(tag2))
        {
            var s = p.ReadSequence(tag2);
            if (!s.TryReadInt32(out salt))
            {
                salt = -1;
            }
        }
        HashAlgorithmName? hash = hashOid switch
        {
            "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
            "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
            "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (hash is not { } hn || mgfHashOid != hashOid)
        {
            problem = $"RSASSA-PSS with hash {hashOid} and MGF1 hash {mgfHashOid} is not accepted";
            return null;
        }
        var scheme = new SignatureScheme(SignatureKey.Rsa, hn, Pss: true);
        if (salt != scheme.HashLength)
        {
            problem = $"RSASSA-PSS salt length {salt} is not the hash length {scheme.HashLength}";
            return null;
        }
        problem = null;
        return scheme;
    }

    /// <summary>Signs with ECDSA in DER (Ecdsa-Sig-Value), as method 14 wants, unless <paramref name="fixedEcdsa"/> (methods 9-11: r|s).</summary>
    public byte[] Sign(AsymmetricAlgorithm key, byte[] data, bool fixedEcdsa = false) => key switch
    {
        RSA rsa when Key == SignatureKey.Rsa => rsa.SignData(data, Hash, Pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
        ECDsa ec when Key == SignatureKey.Ecdsa => ec.SignData(data, Hash, fixedEcdsa ? DSASignatureFormat.IeeeP1363FixedFieldConcatenation : DSASignatureFormat.Rfc3279DerSequence),
        _ => throw new ArgumentException($"a {key.GetType().Name} key cannot make {this} signatures", nameof(key)),
    };

    public bool Verify(AsymmetricAlgorithm key, byte[] data, byte[] signature, bool fixedEcdsa = false)
    {
        try
        {
            return key switch
            {
                RSA rsa when Key == SignatureKey.Rsa => rsa.VerifyData(data, signature, Hash, Pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
                ECDsa ec when Key == SignatureKey.Ecdsa => ec.VerifyData(data, signature, Hash, fixedEcdsa ? DSASignatureFormat.IeeeP1363FixedFieldConcatenation : DSASignatureFormat.Rfc3279DerSequence),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static SignatureHash HashIdOf(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA512 ? SignatureHash.SHA2_512 : hash == HashAlgorithmName.SHA384 ? SignatureHash.SHA2_384 : SignatureHash.SHA2_256;

    public static HashAlgorithmName? HashOf(SignatureHash id) => id switch
    {
        SignatureHash.SHA2_256 => HashAlgorithmName.SHA256,
        SignatureHash.SHA2_384 => HashAlgorithmName.SHA384,
        SignatureHash.SHA2_512 => HashAlgorithmName.SHA512,
        _ => null,
    };

    private static string RsaPkcs1Oid(HashAlgorithmName h) =>
        h == HashAlgorithmName.SHA512 ? "1.2.840.113549.1.1.13" : h == HashAlgorithmName.SHA384 ? "1.2.840.113549.1.1.12" : "1.2.840.113549.1.1.11";

    private static string EcdsaOid(HashAlgorithmName h) =>
        h == HashAlgorithmName.SHA512 ? "1.2.840.10045.4.3.4" : h == HashAlgorithmName.SHA384 ? "1.2.840.10045.4.3.3" : "1.2.840.10045.4.3.2";

    private static void WriteHashAlgorithm(AsnWriter w, HashAlgorithmName h)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(h == HashAlgorithmName.SHA512 ? "2.16.840.1.101.3.4.2.3" : h == HashAlgorithmName.SHA384 ? "2.16.840.1.101.3.4.2.2" : "2.16.840.1.101.3.4.2.1");
            w.WriteNull();
        }
    }
}
