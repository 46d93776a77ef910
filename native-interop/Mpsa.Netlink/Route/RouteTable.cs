using System.Net.Sockets;
using Mpsa.Netlink.Core;

namespace Mpsa.Netlink.Route;

/// <summary>
/// Reads routing tables over NETLINK_ROUTE (RTM_GETROUTE dump, filtered by RTA_TABLE): destination, gateway, output
/// interface. One persistent socket; thread-safe; throws <see cref="NetlinkException"/> only when the socket cannot be opened.
/// </summary>
internal sealed class RouteTable : IDisposable
{
    private readonly NetlinkSocket _socket = NetlinkSocket.Open(NetlinkProtocol.NETLINK_ROUTE);

    /// <summary>The routes of <paramref name="table"/> (254 = main) for one address family, or the kernel's refusal.</summary>
    public NetlinkError? TryDump(uint table, AddressFamily family, out IReadOnlyList<RouteEntry> routes)
    {
        var found = new List<RouteEntry>();
        using var request = RouteMessages.Dump(family, table);
        var error = _socket.Dump(request, $"dump routes table {table} {family}", part =>
        {
            if (part.Type == RtnetlinkConstants.RTM_NEWROUTE && RouteMessages.Read(part) is { } route && route.Table == table)
            {
                found.Add(route);
            }
        });
        routes = error is null ? found : [];
        return error;
    }

    /// <summary>IPv4 and IPv6 routes of <paramref name="table"/>; empty when the kernel refuses.</summary>
    public IReadOnlyList<RouteEntry> Dump(uint table)
    {
        TryDump(table, AddressFamily.InterNetwork, out var v4);
        TryDump(table, AddressFamily.InterNetworkV6, out var v6);
        return [.. v4, .. v6];
    }

    public void Dispose() => _socket.Dispose();
}
