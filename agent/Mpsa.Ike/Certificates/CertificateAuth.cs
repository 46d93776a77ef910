using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Certificates;

/// <summary>Everything certificate authentication needs: our credential, what we trust, and the wall clock
/// (validity periods; tests set it).</summary>
public sealed record CertificateAuth(CertificateCredential Credential, CertificateTrust Trust)
{
    /// <summary>The hashes we verify with method 14, sent in N(SIGNATURE_HASH_ALGORITHMS) (RFC 7427 §4).</summary>
    public static IReadOnlyList<SignatureHash> SupportedHashes { get; } = [SignatureHash.SHA2_256, SignatureHash.SHA2_384, SignatureHash.SHA2_512];

    public Func<DateTimeOffset> Now { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>What it was loaded from (thumbprints, CRL hashes): a reload that changes it re-authenticates.</summary>
    public string Source { get; init; } = "";
}
