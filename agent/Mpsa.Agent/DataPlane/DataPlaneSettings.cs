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
}

/// <summary>A static peer: its underlay address and the overlay subnets behind it.</summary>
internal sealed record PeerSettings(string Name, IPAddress Address, IReadOnlyList<IpPrefix> Subnets);
