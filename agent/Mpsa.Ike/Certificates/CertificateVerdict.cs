using System.Security.Cryptography.X509Certificates;

namespace Mpsa.Ike.Certificates;

/// <summary>The peer's validated end-entity certificate (the caller disposes it), or why it was refused.</summary>
public sealed record CertificateVerdict(X509Certificate2? Certificate, string? Failure)
{
    public static CertificateVerdict Refused(string why) => new(null, why);
}
