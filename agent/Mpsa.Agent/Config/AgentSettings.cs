using System.Net;
using Mpsa.Hosting;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent.Config;

/// <summary>Everything the agent reads from /etc/mpsa/mpsa.conf.</summary>
internal sealed record AgentSettings(
    string Identity,
    SecretBytes? Psk,
    IPAddress? LocalAddress,
    int LocalPort,
    IReadOnlyList<IkeSuite> Proposals,
    IReadOnlyList<EspSuite> EspProposals,
    IPEndPoint Controller,
    string ControllerIdentity,
    string ControlSocket,
    string LogLevel,
    TimeSpan LivenessInterval,
    TimeSpan RetryMin,
    TimeSpan RetryMax,
    IReadOnlyList<EspSuite>? GroupSuites,
    Mpsa.Agent.DataPlane.DataPlaneSettings DataPlane)
{
    /// <summary>Certificate authentication instead of <see cref="Psk"/> (exactly one is set).</summary>
    public CertificateAuth? Certificates { get; init; }

    /// <summary>When this agent rekeys its IKE SA and CHILD_SA with the controller (ike_lifetime, child_lifetime, rekey_jitter).</summary>
    public RekeyPolicy Rekey { get; init; } = RekeyPolicy.Default;

    /// <summary>Refuse MPSA_PUT from a controller that sent no V(MPSA) (<c>require_vendor_id</c>, default yes).</summary>
    public bool RequireVendorId { get; init; } = true;

    /// <summary>child_sa: ask for a CHILD_SA with the controller in IKE_AUTH (no: the IKE SA alone where the controller takes that, RFC 6023).</summary>
    public bool ChildSa { get; init; } = true;

    /// <summary>uplink_interface: the OpenWrt interface (wan, say) on whose ifup procd reloads the agent; null: no trigger.</summary>
    public string? UplinkInterface { get; init; }

    /// <summary>mobike: announce MOBIKE (RFC 4555), so a new WAN address moves the IKE SA instead of making a new one; default yes.</summary>
    public bool Mobike { get; init; } = true;

    /// <summary>encap: IKE on port 4500 and ESP in UDP with the controller whatever the path, by faked NAT-D data (as
    /// strongSwan's encap = yes); the way through a NAT where SHA-1 (libssl) is missing to detect one. Default no.</summary>
    public bool ForceUdpEncapsulation { get; init; }

    /// <summary>retransmit_timeout, retransmit_tries: how long to wait for an answer before resending (doubling each time),
    /// and how many sends before the controller counts as gone (defaults 2 s and 6: about two minutes).</summary>
    public RetransmitPolicy Retransmit { get; init; } = RetransmitPolicy.Default;

    /// <summary>fragment_size: largest IP datagram of a protected IKE message before it goes in fragments (RFC 7383).</summary>
    public int FragmentSize { get; init; } = 1280;

    /// <summary>Accept counter-mode AEAD group SAs despite IV reuse across members (<c>unsafe_counter_mode_aead</c>).</summary>
    public bool UnsafeCounterModeAead { get; init; }

    /// <summary>Traffic with the controller that never leaves or arrives outside the CHILD_SA (<c>esp_only</c>, e.g. tcp/179).</summary>
    public IReadOnlyList<(System.Net.Sockets.ProtocolType Protocol, ushort Port)> EspOnly { get; init; } = [];

    /// <summary>The controller's replicas in the order they are tried (<c>address = a, b, c</c>); the first is <see cref="Controller"/>.</summary>
    public IReadOnlyList<IPEndPoint> Controllers { get; init; } = new[] { Controller };   // an array: no list type of its own in the binary

    /// <summary>Same controller session: the IKE SA survives a reload that changes none of these.</summary>
    public bool SameSession(AgentSettings other) =>
        Identity == other.Identity && (Psk is null ? other.Psk is null : other.Psk is not null && Psk.Span.SequenceEqual(other.Psk.Span)) && Certificates?.Source == other.Certificates?.Source && Equals(LocalAddress, other.LocalAddress)
        && LocalPort == other.LocalPort && ReadOnlyLists.SequenceEqual(Proposals, other.Proposals)
        && ReadOnlyLists.SequenceEqual(EspProposals, other.EspProposals) && ChildSa == other.ChildSa
        && ReadOnlyLists.SequenceEqual(Controllers, other.Controllers) && ControllerIdentity == other.ControllerIdentity;
}
