using System.Net;
using System.Net.Sockets;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Agent.DataPlane;

/// <summary>The [dataplane] and [peer NAME] sections: how the shared SA carries this member's traffic.</summary>
internal sealed record DataPlaneSettings(
    XfrmMode Mode,
    IPAddress? Underlay,
    IReadOnlyList<IpPrefix> Subnets,
    IReadOnlyList<ProtocolType> Protocols,
    int? RouteTable,
    bool Acquire,
    IReadOnlyList<PeerSettings> Peers,
    uint ReqId,
    XfrmMark? Mark)
{
    public static DataPlaneSettings Default { get; } = new(XfrmMode.Tunnel, null, [], [ProtocolType.Unspecified], null, false, [], 0x4d505341, null);

    /// <summary>Where a route's next hop must lie to name a peer; empty: any unicast address of the underlay family.</summary>
    public IReadOnlyList<IpPrefix> PeerNetworks { get; init; } = [];

    /// <summary>An IPv6 /96 whose last 32 bits carry an IPv4 peer (BGP cannot give IPv6 routes an IPv4 next hop).</summary>
    public IpPrefix? Ipv4InIpv6NextHops { get; init; }
}

/// <summary>A static peer: its underlay address and the overlay subnets behind it.</summary>
internal sealed record PeerSettings(string Name, IPAddress Address, IReadOnlyList<IpPrefix> Subnets);
