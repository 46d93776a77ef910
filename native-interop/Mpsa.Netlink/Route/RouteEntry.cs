using System.Globalization;
using System.Net;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Route;

/// <summary>
/// One route: destination prefix, gateway (null for a direct route; RTA_GATEWAY, or RTA_VIA for a gateway of the other
/// family), output interface index (0 when none), table, type (RTN_*) and metric (RTA_PRIORITY; the lowest wins).
/// </summary>
internal sealed record RouteEntry(IpPrefix Destination, IPAddress? Gateway, int OutputInterface, uint Table, byte Type = RtnetlinkConstants.RTN_UNICAST,
    uint Priority = 0)
{
    public override string ToString() =>
        $"{Destination}" + (Gateway is null ? string.Empty : $" via {Gateway}")
        + string.Create(CultureInfo.InvariantCulture, $" oif {OutputInterface} table {Table} metric {Priority}");
}
