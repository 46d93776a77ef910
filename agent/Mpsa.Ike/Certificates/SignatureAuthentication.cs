using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Certificates;

/// <summary>
/// AUTH payloads by signature over the signed octets (RFC 7296 §2.15): method 14 (RFC 7427 §3) when the peer sent
/// N(SIGNATURE_HASH_ALGORITHMS), else the legacy methods: 1 (RSA, PKCS#1 v1.5 with SHA-1) and 9/10/11 (ECDSA r|s).
/// <code>
/// Method 14 Authentication Data = ASN.1 Length (1 octet) | AlgorithmIdentifier (DER) | Signature Value
/// </code>
/// </summary>
public static class SignatureAuthentication
{
    public static AuthenticationPayload Sign(CertificateCredential local, byte[] signedOctets, IReadOnlyList<SignatureHash>? peerHashes)
    {
        var key = local.PrivateKey;
        int curveBits = key is ECDsa ec ? ec.KeySize : 0;
        if (peerHashes is null)
        {
            return key is ECDsa
                ? new AuthenticationPayload(LegacyEcdsaMethod(curveBits), LegacyEcdsa(curveBits).Sign(key, signedOctets, fixedEcdsa: true))
                : new AuthenticationPayload(AuthMethod.RSA_DIGITAL_SIGNATURE, LegacyRsa.Sign(key, signedOctets));
        }
        // our preferred hash (the curve's for ECDSA, SHA-256 for RSA) when the peer verifies it, else its first SHA-2
        var preferred = key is ECDsa ? LegacyEcdsa(curveBits).Hash : HashAlgorithmName.SHA256;
        var hash = Sequences.Contains(peerHashes, SignatureScheme.HashIdOf(preferred)) ? preferred : FirstKnown(peerHashes) ?? preferred;
        var scheme = new SignatureScheme(local.KeyKind, hash, Pss: local.KeyKind == SignatureKey.Rsa && local.PreferPss);
        byte[] algorithm = scheme.AlgorithmIdentifier();
        byte[] signature = scheme.Sign(key, signedOctets);
        return new AuthenticationPayload(AuthMethod.DIGITAL_SIGNATURE, [(byte)algorithm.Length, .. algorithm, .. signature]);
    }

    /// <summary>The first hash of the peer's that we know, or null.</summary>
    private static HashAlgorithmName? FirstKnown(IReadOnlyList<SignatureHash> peerHashes)
    {
        foreach (var id in peerHashes)
        {
            if (SignatureScheme.HashOf(id) is { } hash)
            {
                return hash;
            }
        }
        return null;
    }

    /// <summary>Null when <paramref name="auth"/> is the certificate holder's signature over the octets; otherwise why not.</summary>
    public static string? Verify(AuthenticationPayload auth, X509Certificate2 certificate, byte[] signedOctets)
    {
        using AsymmetricAlgorithm? rsa = certificate.GetRSAPublicKey();
        using AsymmetricAlgorithm? ecdsa = certificate.GetECDsaPublicKey();
        var key = rsa ?? ecdsa;
        if (key is null)
        {
            return $"certificate key {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value} is neither RSA nor ECDSA";
        }
        SignatureScheme scheme;
        byte[] signature;
        bool fixedEcdsa = false;
        switch (auth.Method)
        {
            case AuthMethod.DIGITAL_SIGNATURE:
                int length = auth.Data[0];
                if (auth.Data.Length < 1 + length)
                {
                    return "AUTH data shorter than its AlgorithmIdentifier";
                }
                if (SignatureScheme.FromAlgorithmIdentifier(auth.Data.AsSpan(1, length), out string? problem) is not { } s)
                {
                    return problem;
                }
                scheme = s;
                signature = auth.Data[(1 + length)..];
                break;
            case AuthMethod.RSA_DIGITAL_SIGNATURE:
                scheme = LegacyRsa;
                signature = auth.Data;
                break;
            case AuthMethod.ECDSA_SHA256_P256 or AuthMethod.ECDSA_SHA384_P384 or AuthMethod.ECDSA_SHA512_P521:
                int bits = auth.Method == AuthMethod.ECDSA_SHA256_P256 ? 256 : auth.Method == AuthMethod.ECDSA_SHA384_P384 ? 384 : 521;
                if (ecdsa is null || ecdsa.KeySize != bits)
                {
                    return $"AUTH method {auth.Method} does not fit the certificate's key";
                }
                scheme = LegacyEcdsa(bits);
                signature = auth.Data;
                fixedEcdsa = true;
                break;
            default:
                return $"AUTH method {auth.Method} is not a signature method";
        }
        if ((scheme.Key == SignatureKey.Rsa) != (rsa is not null))
        {
            return $"AUTH signature scheme {scheme} does not fit the certificate's {(rsa is not null ? "RSA" : "ECDSA")} key";
        }
        return scheme.Verify(key, signedOctets, signature, fixedEcdsa) ? null : $"AUTH signature ({auth.Method}, {scheme}) does not verify with the certificate's key";
    }

    /// <summary>Method 1 (RFC 7296 §3.8): RSASSA-PKCS1-v1_5 with SHA-1, for peers without RFC 7427.</summary>
    private static SignatureScheme LegacyRsa { get; } = new(SignatureKey.Rsa, HashAlgorithmName.SHA1);

    private static SignatureScheme LegacyEcdsa(int curveBits) =>
        new(SignatureKey.Ecdsa, curveBits >= 521 ? HashAlgorithmName.SHA512 : curveBits >= 384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256);

    private static AuthMethod LegacyEcdsaMethod(int curveBits) =>
        curveBits >= 521 ? AuthMethod.ECDSA_SHA512_P521 : curveBits >= 384 ? AuthMethod.ECDSA_SHA384_P384 : AuthMethod.ECDSA_SHA256_P256;
}
