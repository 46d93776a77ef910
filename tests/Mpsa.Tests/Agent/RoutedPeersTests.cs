using System.Net;
using Mpsa.Agent.DataPlane;
using Mpsa.Agent.GroupSa;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Route;

namespace Mpsa.Tests.Agent;

/// <summary>
/// Peers from a routing table as a routing daemon fills it (draft §4.1): replaced routes move a prefix, the lowest
/// metric wins, next hops that cannot be peers are ignored with a reason, IPv6 routes name IPv4 peers through mapped
/// next hops, and a resync after lost events applies only the differences. Checked on the in-memory kernel.
/// </summary>
public class RoutedPeersTests
{
    private static readonly IPAddress Underlay = IPAddress.Parse("192.0.2.11");
    private static readonly IPAddress Controller = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Peer2 = IPAddress.Parse("192.0.2.12");
    private static readonly IPAddress Peer3 = IPAddress.Parse("192.0.2.13");

    private sealed record Lab(InMemoryKernel Kernel, MemberDataPlane Plane, List<string> Log) : IDisposable
    {
        public IReadOnlyList<string> OutPolicies => [.. Kernel.Policies.Where(p => p.Direction == XfrmDirection.Out)
            .Select(p => $"{p.Selector.Destination} {p.Template?.TunnelDestination}").Order()];

        public IReadOnlyList<string> OutStates => [.. Kernel.States.Where(s => s.Source is not null).Select(s => s.Destination.ToString()).Order()];

        public MpsaPut Put { get; } = new(new EspSpi(0xc0000501), EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256,
            Enumerable.Repeat((byte)7, 32).ToArray(), SecretBytes.CopyFrom(Enumerable.Repeat((byte)5, 32).ToArray()), 600, 30, 60);

        public void Dispose() => Put.Dispose();
    }

    private static DataPlaneSettings Settings(string? peerNetworks = null, string? ipv4InIpv6 = null) => DataPlaneSettings.Default with
    {
        Subnets = [IpPrefix.Parse("10.1.1.0/24"), IpPrefix.Parse("fd00:1:1::/64")],
        RouteTable = 100,
        PeerNetworks = peerNetworks is null ? [] : [IpPrefix.Parse(peerNetworks)],
        Ipv4InIpv6NextHops = ipv4InIpv6 is null ? null : IpPrefix.Parse(ipv4InIpv6),
    };

    private static Lab Make(DataPlaneSettings settings)
    {
        var kernel = new InMemoryKernel();
        var log = new List<string>();
        var plane = new MemberDataPlane(kernel, settings, Underlay, log.Add, [Controller]);
        plane.Start();
        var lab = new Lab(kernel, plane, log);
        new GroupSaManager(plane.States).Receive([lab.Put], true, new MonoTime(0));
        return lab;
    }

    private static RouteEntry R(string destination, string? gateway, uint metric = 0, byte type = RtnetlinkConstants.RTN_UNICAST) =>
        new(IpPrefix.Parse(destination), gateway is null ? null : IPAddress.Parse(gateway), 2, 100, type, metric);

    [Test]
    public void ReplacedRouteMovesThePrefixToTheNewNextHop()
    {
        using var lab = Make(Settings());
        lab.Plane.Route(R("10.1.2.0/24", "192.0.2.12"));
        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "10.1.2.0/24 192.0.2.12" }));

        lab.Plane.Route(R("10.1.2.0/24", "192.0.2.13"));   // RTM_NEWROUTE with NLM_F_REPLACE: no delete comes first

        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "10.1.2.0/24 192.0.2.13" }));
        Assert.That(lab.OutStates, Is.EqualTo(new[] { "192.0.2.13" }), "the old peer had no other prefix: its state went");
        Assert.That(lab.Plane.Peers, Is.EquivalentTo(new[] { Peer3 }));
    }

    [Test]
    public void TheLowestMetricDecidesAndTheNextBestTakesOverWhenItGoes()
    {
        using var lab = Make(Settings());
        lab.Plane.Route(R("10.1.2.0/24", "192.0.2.12", metric: 100));
        lab.Plane.Route(R("10.1.2.0/24", "192.0.2.13", metric: 50));
        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "10.1.2.0/24 192.0.2.13" }));

        lab.Plane.RouteGone(R("10.1.2.0/24", "192.0.2.13", metric: 50));

        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "10.1.2.0/24 192.0.2.12" }));
        lab.Plane.RouteGone(R("10.1.2.0/24", "192.0.2.12", metric: 100));
        Assert.That(lab.OutPolicies, Is.Empty);
        Assert.That(lab.OutStates, Is.Empty);
    }

    [TestCase("10.1.2.0/24", "192.0.2.1", "the controller")]
    [TestCase("10.1.2.0/24", "192.0.2.11", "this router itself")]
    [TestCase("10.1.2.0/24", null, "no next hop")]
    [TestCase("10.1.2.0/24", "224.0.0.5", "not a unicast address")]
    [TestCase("10.1.2.0/24", "127.0.0.1", "not a unicast address")]
    [TestCase("fd00:1:2::/64", "2001:db8::12", "ipv4_in_ipv6_next_hops")]
    [TestCase("fd00:1:2::/64", "fe80::1", "not an IPv4 underlay address")]
    public void NextHopsThatCannotBePeersAreIgnoredWithTheReason(string destination, string? gateway, string reason)
    {
        using var lab = Make(Settings());
        lab.Plane.Route(R(destination, gateway));
        Assert.That(lab.Plane.Peers, Is.Empty);
        Assert.That(lab.OutPolicies, Is.Empty);
        Assert.That(lab.Log, Has.Some.Contains($"route {destination}").And.Contains("ignored").And.Contains(reason));
    }

    [Test]
    public void BlackholeAndUnreachableRoutesAreNotPeers()
    {
        using var lab = Make(Settings());
        lab.Plane.Route(R("10.1.2.0/24", null, type: 6));      // RTN_BLACKHOLE
        lab.Plane.Route(R("10.1.3.0/24", "192.0.2.13"));
        lab.Plane.Route(R("10.1.3.0/24", null, metric: 0, type: 7)); // replaced by RTN_UNREACHABLE (same metric)
        Assert.That(lab.OutPolicies, Is.Empty);
        Assert.That(lab.Log, Has.Some.Contains("not a unicast route"));
    }

    [Test]
    public void PeerNetworksLimitWhichNextHopsArePeers()
    {
        using var lab = Make(Settings(peerNetworks: "192.0.2.0/25"));
        lab.Plane.Route(R("10.1.2.0/24", "192.0.2.12"));
        lab.Plane.Route(R("0.0.0.0/0", "192.0.2.254"));
        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "10.1.2.0/24 192.0.2.12" }));
        Assert.That(lab.Log, Has.Some.Contains("route 0.0.0.0/0 via 192.0.2.254 ignored: its next hop is outside peer_networks"));

        Assert.That(lab.Plane.Reconfigure(Settings(peerNetworks: "192.0.2.0/24")), Is.True);

        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "0.0.0.0/0 192.0.2.254", "10.1.2.0/24 192.0.2.12" }), "a reload judges the table again");
    }

    [TestCase("::ffff:192.0.2.12", null)]
    [TestCase("64:ff9b::c000:20c", "64:ff9b::/96")]
    [TestCase("2001:db8:ff::192.0.2.12", "2001:db8:ff::/96")]
    public void IPv6RoutesNameIPv4PeersThroughMappedNextHops(string gateway, string? prefix)
    {
        using var lab = Make(Settings(ipv4InIpv6: prefix));
        lab.Plane.Route(R("10.1.2.0/24", "192.0.2.12"));
        lab.Plane.Route(R("fd00:1:2::/64", gateway));
        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "10.1.2.0/24 192.0.2.12", "fd00:1:2::/64 192.0.2.12" }), "IPv6 over the IPv4 peer's tunnel");
        Assert.That(lab.OutStates, Is.EqualTo(new[] { "192.0.2.12" }));
    }

    [Test]
    public void AResyncAppliesOnlyTheDifferences()
    {
        using var lab = Make(Settings());
        lab.Plane.Routes([R("10.1.2.0/24", "192.0.2.12"), R("10.1.3.0/24", "192.0.2.13"), R("10.9.0.0/16", "192.0.2.13")]);
        Assert.That(lab.OutPolicies, Is.Empty, "queued, not applied yet");
        Assert.That(lab.Plane.ApplyRoutes(), Is.False);
        Assert.That(lab.OutPolicies, Has.Count.EqualTo(3));
        var before = lab.Kernel.Policies.Single(p => p.Selector.Destination == IpPrefix.Parse("10.1.2.0/24"));

        // Events were lost: 10.1.3.0/24 went, 10.9.0.0/16 moved to cpe2, 10.4.0.0/16 came.
        lab.Plane.Routes([R("10.1.2.0/24", "192.0.2.12"), R("10.9.0.0/16", "192.0.2.12"), R("10.4.0.0/16", "192.0.2.13")]);
        lab.Plane.ApplyRoutes();

        Assert.That(lab.OutPolicies, Is.EqualTo(new[] { "10.1.2.0/24 192.0.2.12", "10.4.0.0/16 192.0.2.13", "10.9.0.0/16 192.0.2.12" }));
        Assert.That(lab.Kernel.Policies.Single(p => p.Selector.Destination == IpPrefix.Parse("10.1.2.0/24")), Is.SameAs(before), "an unchanged route is left alone");
        Assert.That(lab.Plane.RoutedPrefixes, Is.EqualTo(3));
    }

    [Test]
    public void ARereadTableIsAppliedInSlicesAndEventsInBetweenStayRight()
    {
        using var lab = Make(Settings() with { Subnets = [IpPrefix.Parse("10.1.1.0/24")] });
        var table = Enumerable.Range(0, 1000).Select(i => R($"10.{100 + i / 250}.{i % 250}.0/24", $"198.18.0.{i % 100 + 1}")).ToList();
        lab.Plane.Routes(table);

        Assert.That(lab.Plane.ApplyRoutes(256), Is.True);
        Assert.That(lab.OutPolicies, Has.Count.EqualTo(256), "one slice");
        lab.Plane.RouteGone(table[900]);                          // a withdrawal arrives before its slice
        lab.Plane.Route(R("10.100.0.0/24", "198.18.0.99"));        // and a replacement of one already applied
        while (lab.Plane.ApplyRoutes(256))
        {
        }

        Assert.That(lab.OutPolicies, Has.Count.EqualTo(999));
        Assert.That(lab.OutPolicies, Does.Not.Contain($"{table[900].Destination} 198.18.0.1"));
        Assert.That(lab.OutPolicies, Does.Contain("10.100.0.0/24 198.18.0.99"));
    }

    [Test]
    public void FiveThousandPrefixesFromFiveHundredPeersBecomeOneStateAndTenPoliciesEach()
    {
        using var lab = Make(Settings() with { Subnets = [IpPrefix.Parse("10.1.1.0/24")] });
        var routes = new List<RouteEntry>();
        for (int p = 0; p < 500; p++)
        {
            string gateway = $"198.18.{p / 250}.{p % 250 + 1}";
            for (int k = 0; k < 10; k++)
            {
                routes.Add(R($"10.{100 + p / 250}.{(p % 250)}.{k * 16}/28", gateway));
            }
        }
        foreach (var route in routes)
        {
            lab.Plane.Route(route);
        }
        Assert.That(lab.OutStates, Has.Count.EqualTo(500));
        Assert.That(lab.OutPolicies, Has.Count.EqualTo(5000));

        lab.Plane.Routes([]);
        int slices = 1;
        while (lab.Plane.ApplyRoutes(256))
        {
            slices++;
        }
        Assert.That(slices, Is.EqualTo(20), "5,000 withdrawals in slices of 256");

        Assert.That(lab.OutStates, Is.Empty);
        Assert.That(lab.OutPolicies, Is.Empty);
        Assert.That(lab.Plane.Peers, Is.Empty);
    }
}
