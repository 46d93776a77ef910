using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// IKE_AUTH by certificates and signatures (RFC 7296 §2.15, RFC 7427); kept apart so that the PSK path never touches
/// X.509 or RSA/ECDSA types (they load libssl, which a PSK-only agent may not have).
///   HDR, SK {IDi, CERT+, CERTREQ, [IDr,] AUTH, ...}  -->   &lt;--  HDR, SK {IDr, CERT+, AUTH, ...}
/// </summary>
internal static class IkeAuthCertificates
{
    public static bool IsSignature(AuthMethod method) => method is AuthMethod.DIGITAL_SIGNATURE or AuthMethod.RSA_DIGITAL_SIGNATURE
        or AuthMethod.ECDSA_SHA256_P256 or AuthMethod.ECDSA_SHA384_P384 or AuthMethod.ECDSA_SHA512_P521;

    /// <summary>Responder's IKE_SA_INIT additions: CERTREQ (RFC 7296 §3.7) and N(SIGNATURE_HASH_ALGORITHMS) (RFC 7427 §4).</summary>
    public static IReadOnlyList<IPayload>? SaInitExtras(IkeResponderOptions o) =>
        CertificateSupport.IsEnabled && o.Certificates() is { } c ? [c.Trust.CertificateRequest(), SignatureHashAlgorithms.Notify(CertificateAuth.SupportedHashes)] : null;

    /// <summary>Our CERT payloads and AUTH: a signature over our signed octets, in a form the peer's IKE_SA_INIT says it verifies.</summary>
    public static (IEnumerable<CertificatePayload> Certs, AuthenticationPayload Auth) Prove(IkeSaContext ctx, CertificateAuth c,
        byte[] ourRealMessage, byte[] peerNonce, ReadOnlySpan<byte> ourSkP, IdentificationPayload ourId, byte[] peerSaInit)
    {
        byte[] octets = SignedOctets.Build(ctx.Prf, ourRealMessage, peerNonce, ourSkP, ourId.BodyBytes(), ctx.IntermediateAuthOctets);
        var hashes = IkeMessage.TryDecode(peerSaInit, out var m, out _) ? SignatureHashAlgorithms.From(m) : null;
        return (c.Credential.CertificatePayloads(), SignatureAuthentication.Sign(c.Credential, octets, hashes));
    }

    /// <summary>Null when the peer's certificates validate, bind its ID and its AUTH signature verifies; otherwise why not.</summary>
    public static string? Verify(IkeSaContext ctx, CertificateAuth c, IkeMessage message, IdentificationPayload peerId, AuthenticationPayload auth,
        byte[] peerRealMessage, byte[] ourNonce, ReadOnlySpan<byte> peerSkP)
    {
        if (!IsSignature(auth.Method))
        {
            return $"AUTH method {auth.Method} where a certificate signature is required";
        }
        var verdict = c.Trust.Validate(message.All<CertificatePayload>(), peerId, c.Now());
        if (verdict.Failure is { } failure)
        {
            return failure;
        }
        using var certificate = verdict.Certificate!;
        byte[] octets = SignedOctets.Build(ctx.Prf, peerRealMessage, ourNonce, peerSkP, peerId.BodyBytes(), ctx.IntermediateAuthOctets);
        string? wrong = SignatureAuthentication.Verify(auth, certificate, octets);
        if (wrong is null)
        {
            ctx.PeerCertificates = message.All<CertificatePayload>(p => p.Encoding == CertEncoding.X509_CERTIFICATE_SIGNATURE).ConvertAll(p => p.Data);
        }
        return wrong;
    }
}
