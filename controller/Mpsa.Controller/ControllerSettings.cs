using System.Net;
using Mpsa.Controller.Groups;
using Mpsa.Controller.Members;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;

namespace Mpsa.Controller;

/// <summary>Everything the engine needs from the configuration file.</summary>
internal sealed record ControllerSettings(
    string Identity,
    IReadOnlyList<IPEndPoint> Listen,
    IReadOnlyList<IkeSuite> IkeProposals,
    IReadOnlyList<EspSuite> ChildProposals,
    IReadOnlyDictionary<string, GroupConfig> Groups,
    IReadOnlyList<MemberConfig> Members,
    string ControlSocket,
    string LogLevel,
    int CookieThreshold)
{
    /// <summary>Our certificate and the CAs (and CRLs) of certificate members; null when every member has a PSK.</summary>
    public CertificateAuth? Certificates { get; init; }
}
