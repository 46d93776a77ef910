using System.Net;
using Mpsa.Ike.Crypto;

namespace Mpsa.Agent.Config;

/// <summary>Everything the agent reads from /etc/mpsa/mpsa.conf.</summary>
internal sealed record AgentSettings(
    string Identity,
    SecretBytes Psk,
    IPAddress? LocalAddress,
    int LocalPort,
    IReadOnlyList<IkeSuite> Proposals,
    IReadOnlyList<EspSuite> EspProposals,
    IPEndPoint Controller,
    string? ControllerIdentity,
    string ControlSocket,
    string LogLevel,
    TimeSpan LivenessInterval,
    TimeSpan RetryMin,
    TimeSpan RetryMax,
    IReadOnlyList<EspSuite>? GroupSuites,
    Mpsa.Agent.DataPlane.DataPlaneSettings DataPlane)
{
    /// <summary>Same controller session: the IKE SA survives a reload that changes none of these.</summary>
    public bool SameSession(AgentSettings other) =>
        Identity == other.Identity && Psk.Span.SequenceEqual(other.Psk.Span) && Equals(LocalAddress, other.LocalAddress)
        && LocalPort == other.LocalPort && Proposals.SequenceEqual(other.Proposals) && EspProposals.SequenceEqual(other.EspProposals)
        && Controller.Equals(other.Controller) && ControllerIdentity == other.ControllerIdentity;
}
