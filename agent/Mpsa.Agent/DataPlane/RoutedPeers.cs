using System.Net;
using System.Net.Sockets;
using Mpsa.Hosting;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Route;

namespace Mpsa.Agent.DataPlane;

/// <summary>
/// The routes of the watched table (what BIRD or FRR installed from the route reflector, draft §4.1) turned into
/// "prefix belongs to peer": per destination the route with the lowest metric wins, as it does in the kernel, and
/// its next hop names the peer. A replaced route (new next hop) moves the prefix; a route whose next hop cannot be a
/// peer (another family, our own or the controller's address, outside peer_networks, no next hop at all) gives the
/// prefix to nobody. Remembers every route it saw, so a resync after lost netlink events only applies differences.
/// </summary>
internal sealed class RoutedPeers(
    Func<DataPlaneSettings> settings,
    Func<IPAddress> underlay,
    IReadOnlyList<IPAddress> notPeers,
    Action<IpPrefix, IPAddress> add,
    Action<IpPrefix, IPAddress> remove,
    Action<string> log)
{
    private readonly Dictionary<IpPrefix, Dictionary<uint, RouteEntry>> _routes = [];

    /// <summary>This member's underlay address now (it follows the WAN address unless configured).</summary>
    private IPAddress Underlay => underlay();

    private readonly Dictionary<IpPrefix, IPAddress> _assigned = [];
    private readonly Queue<IpPrefix> _unsettled = new();

    /// <summary>How many prefixes are given to a peer now.</summary>
    public int Count => _assigned.Count;

    public void Added(RouteEntry route)
    {
        if (!_routes.TryGetValue(route.Destination, out var byMetric))
        {
            _routes[route.Destination] = byMetric = [];
        }
        byMetric[route.Priority] = route;
        Settle(route.Destination);
    }

    public void Removed(RouteEntry route)
    {
        if (_routes.TryGetValue(route.Destination, out var byMetric) && byMetric.Remove(route.Priority))
        {
            if (byMetric.Count == 0)
            {
                _routes.Remove(route.Destination);
            }
            Settle(route.Destination);
        }
    }

    /// <summary>Destinations a resync changed that are not yet applied (<see cref="SettleSome"/>).</summary>
    public int Pending => _unsettled.Count;

    /// <summary>
    /// The whole table, read again (at start, and after the kernel dropped events). The differences are queued, not
    /// applied: <see cref="SettleSome"/> applies them a slice at a time, so thousands of routes never hold up IKE.
    /// </summary>
    public void Resync(IEnumerable<RouteEntry> table)
    {
        var now = new Dictionary<IpPrefix, Dictionary<uint, RouteEntry>>();
        foreach (var route in table)
        {
            if (!now.TryGetValue(route.Destination, out var byMetric))
            {
                now[route.Destination] = byMetric = [];
            }
            byMetric[route.Priority] = route;
        }
        var touched = new HashSet<IpPrefix>();
        foreach (var destination in (List<IpPrefix>)[.. _routes.Keys, .. now.Keys])
        {
            if (Changed(_routes, now, destination))
            {
                touched.Add(destination);
            }
        }
        _routes.Clear();
        foreach (var (destination, byMetric) in now)
        {
            _routes[destination] = byMetric;
        }
        foreach (var destination in touched)
        {
            _unsettled.Enqueue(destination);
        }
    }

    /// <summary>Applies up to <paramref name="max"/> queued destinations; true while more are left.</summary>
    public bool SettleSome(int max)
    {
        for (int i = 0; i < max && _unsettled.TryDequeue(out var destination); i++)
        {
            Settle(destination);
        }
        return _unsettled.Count > 0;
    }

    /// <summary>After a reload (peer_networks or the IPv4-in-IPv6 prefix may have changed): every prefix is judged again.</summary>
    public void Reevaluate()
    {
        var all = new HashSet<IpPrefix>(_routes.Keys);
        all.UnionWith(_assigned.Keys);
        foreach (var destination in all)
        {
            Settle(destination);
        }
    }

    /// <summary>Whether the routes to <paramref name="destination"/> differ (added, gone, or another gateway at a metric).</summary>
    private static bool Changed(Dictionary<IpPrefix, Dictionary<uint, RouteEntry>> before, Dictionary<IpPrefix, Dictionary<uint, RouteEntry>> after,
        IpPrefix destination)
    {
        if (!before.TryGetValue(destination, out var was) || !after.TryGetValue(destination, out var now) || was.Count != now.Count)
        {
            return true;
        }
        foreach (var (metric, route) in was)
        {
            if (!now.TryGetValue(metric, out var r) || r != route)
            {
                return true;
            }
        }
        return false;
    }

    private void Settle(IpPrefix destination)
    {
        RouteEntry? best = null;
        if (_routes.TryGetValue(destination, out var byMetric))
        {
            foreach (var route in byMetric.Values)
            {
                if (best is null || route.Priority < best.Priority)
                {
                    best = route;
                }
            }
        }
        IPAddress? peer = best is null ? null : PeerOf(best);
        _assigned.TryGetValue(destination, out var current);
        if (Equals(peer, current))
        {
            return;
        }
        if (current is not null)
        {
            _assigned.Remove(destination);
            remove(destination, current);
        }
        if (peer is not null)
        {
            _assigned[destination] = peer;
            add(destination, peer);
        }
    }

    /// <summary>The peer a route's next hop names, or null (logged) when it cannot be one.</summary>
    private IPAddress? PeerOf(RouteEntry route)
    {
        var s = settings();
        string? why = null;
        IPAddress? peer = route.Gateway is { } gateway ? Unmapped(gateway, s.Ipv4InIpv6NextHops) : null;
        if (route.Type != RtnetlinkConstants.RTN_UNICAST)
        {
            why = "it is not a unicast route";
        }
        else if (peer is null)
        {
            why = "it has no next hop";
        }
        else if (peer.AddressFamily != Underlay.AddressFamily)
        {
            why = $"its next hop is not an IPv{(Underlay.AddressFamily == AddressFamily.InterNetwork ? 4 : 6)} underlay address"
                + (peer.AddressFamily == AddressFamily.InterNetworkV6 && Underlay.AddressFamily == AddressFamily.InterNetwork
                    ? " (an IPv4 peer in an IPv6 next hop needs ipv4_in_ipv6_next_hops)" : string.Empty);
        }
        else if (peer.Equals(Underlay))
        {
            why = "its next hop is this router itself";
        }
        else if (ReadOnlyLists.Contains(notPeers, peer))
        {
            why = "its next hop is the controller";
        }
        else if (!IsUnicast(peer))
        {
            why = "its next hop is not a unicast address";
        }
        else if (s.PeerNetworks.Count > 0 && !ReadOnlyLists.Exists(s.PeerNetworks, n => n.Contains(peer)))
        {
            why = "its next hop is outside peer_networks";
        }
        if (why is null)
        {
            return peer;
        }
        log($"route {route.Destination}{(route.Gateway is null ? string.Empty : $" via {route.Gateway}")} ignored: {why}");
        return null;
    }

    /// <summary>::ffff:a.b.c.d, or a.b.c.d in the last 32 bits of the configured /96, is the IPv4 peer a.b.c.d.</summary>
    internal static IPAddress Unmapped(IPAddress gateway, IpPrefix? ipv4InIpv6)
    {
        if (gateway.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return gateway;
        }
        if (gateway.IsIPv4MappedToIPv6)
        {
            return gateway.MapToIPv4();
        }
        if (ipv4InIpv6 is { Length: 96 } prefix && prefix.Contains(gateway))
        {
            return new IPAddress(gateway.GetAddressBytes().AsSpan(12));
        }
        return gateway;
    }

    private static bool IsUnicast(IPAddress a)
    {
        if (IPAddress.IsLoopback(a) || a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) || a.Equals(IPAddress.Broadcast))
        {
            return false;
        }
        if (a.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !a.IsIPv6Multicast && !a.IsIPv6LinkLocal;
        }
        byte first = a.GetAddressBytes()[0];
        return first is not (0 or >= 224);
    }
}
