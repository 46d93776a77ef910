using System.Net;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Route;

/// <summary>One route: destination prefix, gateway (null for a direct route), output interface index (0 when none), table and type (RTN_*).</summary>
internal sealed record RouteEntry(IpPrefix Destination, IPAddress? Gateway, int OutputInterface, uint Table, byte Type = RtnetlinkConstants.RTN_UNICAST)
{
    public override string ToString() =>
        $"{Destination}" + (Gateway is null ? string.Empty : $" via {Gateway}") + $" oif {OutputInterface} table {Table}";
}
