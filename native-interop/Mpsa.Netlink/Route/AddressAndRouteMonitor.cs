using Mpsa.Netlink.Core;

namespace Mpsa.Netlink.Route;

/// <summary>
/// Calls <c>changed</c> on its own background thread after any address or route of any table comes or goes (IPv4 and
/// IPv6), or when the kernel dropped such events: the agent then asks the routing table again which address leads
/// to its controller. Disposing stops the thread. Throws <see cref="NetlinkException"/> when the socket cannot be opened.
/// </summary>
internal sealed class AddressAndRouteMonitor : IDisposable
{
    private readonly NetlinkMulticastListener _listener;

    /// <param name="pollMilliseconds">How often the listener thread wakes to see whether it is disposed.</param>
    public AddressAndRouteMonitor(Action changed, int pollMilliseconds = 200)
    {
        ArgumentNullException.ThrowIfNull(changed);
        uint groups = Group(RtnetlinkConstants.RTNLGRP_IPV4_IFADDR) | Group(RtnetlinkConstants.RTNLGRP_IPV6_IFADDR)
            | Group(RtnetlinkConstants.RTNLGRP_IPV4_ROUTE) | Group(RtnetlinkConstants.RTNLGRP_IPV6_ROUTE);
        _listener = new NetlinkMulticastListener(NetlinkProtocol.NETLINK_ROUTE, groups, message =>
        {
            if (message.Type is RtnetlinkConstants.RTM_NEWADDR or RtnetlinkConstants.RTM_DELADDR
                or RtnetlinkConstants.RTM_NEWROUTE or RtnetlinkConstants.RTM_DELROUTE)
            {
                changed();
            }
        }, "uplink-monitor", changed, pollMilliseconds);
    }

    public void Dispose() => _listener.Dispose();

    private static uint Group(int group) => 1u << (group - 1);
}
