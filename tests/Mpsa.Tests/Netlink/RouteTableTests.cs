using System.Collections.Concurrent;
using System.Net;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Route;

namespace Mpsa.Tests.Netlink;

/// <summary>rtnetlink on the running kernel, in a throwaway network namespace (needs root and iproute2; ignored otherwise).</summary>
[TestFixture]
[Category("Rtnetlink")]
[NonParallelizable]
public class RouteTableTests
{
    private NetworkNamespace _ns = null!;

    [SetUp]
    public void CreateNamespace()
    {
        // Only lo: the development hosts' kernel has no dummy or veth devices.
        _ns = NetworkNamespace.CreateOrIgnore();
    }

    [TearDown]
    public void DeleteNamespace() => _ns.Dispose();

    [Test]
    public void DumpsOneTableForBothFamilies()
    {
        _ns.Ip("route add 10.9.0.0/16 via 192.0.2.254 dev lo onlink table 100");
        _ns.Ip("route add 10.8.0.0/16 dev lo table 100");
        _ns.Ip("-6 route add 2001:db8:9::/48 dev lo table 100");
        _ns.Ip("route add 10.7.0.0/16 via 192.0.2.254 dev lo onlink");
        _ns.Ip("route add 10.6.0.0/16 via 192.0.2.253 dev lo onlink metric 50 table 100");
        const int oif = 1; // lo

        using var table = _ns.Run(() => new RouteTable());
        var routes = table.Dump(100);

        Assert.That(routes, Is.EquivalentTo(new[]
        {
            new RouteEntry(IpPrefix.Parse("10.9.0.0/16"), IPAddress.Parse("192.0.2.254"), oif, 100),
            new RouteEntry(IpPrefix.Parse("10.8.0.0/16"), null, oif, 100),
            new RouteEntry(IpPrefix.Parse("2001:db8:9::/48"), null, oif, 100, Priority: 1024),
            new RouteEntry(IpPrefix.Parse("10.6.0.0/16"), IPAddress.Parse("192.0.2.253"), oif, 100, Priority: 50),
        }));
    }

    [Test]
    public void FollowsAddedAndRemovedRoutesOfOneTable()
    {
        var events = new BlockingCollection<RouteEvent>();
        using var monitor = _ns.Run(() => new RouteMonitor(100, events.Add));

        _ns.Ip("route add 10.7.0.0/16 via 192.0.2.254 dev lo onlink"); // main table: not followed
        _ns.Ip("route add 10.9.0.0/16 via 192.0.2.254 dev lo onlink table 100");
        _ns.Ip("route del 10.9.0.0/16 table 100");

        Assert.That(events.TryTake(out var added, TimeSpan.FromSeconds(5)));
        Assert.That(events.TryTake(out var removed, TimeSpan.FromSeconds(5)));
        Assert.That(added, Is.InstanceOf<RouteAdded>());
        Assert.That(added!.Route.Destination, Is.EqualTo(IpPrefix.Parse("10.9.0.0/16")));
        Assert.That(added.Route.Gateway, Is.EqualTo(IPAddress.Parse("192.0.2.254")));
        Assert.That(removed, Is.InstanceOf<RouteRemoved>());
        Assert.That(removed!.Route.Destination, Is.EqualTo(IpPrefix.Parse("10.9.0.0/16")));
    }
}
