using Mpsa.Netlink.Core;

namespace Mpsa.Netlink.Route;

/// <summary>
/// Follows one routing table: joins RTNLGRP_IPV4_ROUTE and RTNLGRP_IPV6_ROUTE and raises <see cref="RouteAdded"/> /
/// <see cref="RouteRemoved"/> for routes of that table, on its own background thread, one at a time (the agent posts
/// them into its driver loop). Disposing stops the thread. When the kernel drops events (a burst of thousands of routes
/// from a routing daemon can fill the socket), <c>lost</c> is called: dump the table again with <see cref="RouteTable"/>.
/// Throws <see cref="NetlinkException"/> when the socket cannot be opened.
/// </summary>
internal sealed class RouteMonitor : IDisposable
{
    private readonly NetlinkMulticastListener _listener;

    public RouteMonitor(uint table, Action<RouteEvent> handler, Action? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Table = table;
        uint groups = (1u << (RtnetlinkConstants.RTNLGRP_IPV4_ROUTE - 1)) | (1u << (RtnetlinkConstants.RTNLGRP_IPV6_ROUTE - 1));
        _listener = new NetlinkMulticastListener(NetlinkProtocol.NETLINK_ROUTE, groups, message =>
        {
            if (message.Type is not (RtnetlinkConstants.RTM_NEWROUTE or RtnetlinkConstants.RTM_DELROUTE)
                || RouteMessages.Read(message) is not { } route
                || route.Table != table)
            {
                return;
            }
            handler(message.Type == RtnetlinkConstants.RTM_NEWROUTE ? new RouteAdded(route) : new RouteRemoved(route));
        }, $"route-monitor-{table}", lost);
    }

    public uint Table { get; }

    public long Overruns => _listener.Overruns;

    public void Dispose() => _listener.Dispose();
}
