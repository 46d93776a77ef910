using System.Net;
using System.Net.Sockets;
using Mpsa.Agent.DataPlane;
using Mpsa.Agent.GroupSa;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Route;

namespace Mpsa.Tests.Agent;

/// <summary>What the member puts in the kernel for peers from configuration, routes and ACQUIRE, checked on the in-memory kernel.</summary>
public class MemberDataPlaneTests
{
    private static readonly IPAddress Underlay = IPAddress.Parse("192.0.2.11");
    private static readonly IPAddress Peer2 = IPAddress.Parse("192.0.2.12");
    private static readonly IPAddress Peer3 = IPAddress.Parse("192.0.2.13");

    private static DataPlaneSettings Tunnel(params PeerSettings[] peers) => DataPlaneSettings.Default with
    {
        Subnets = [IpPrefix.Parse("10.1.1.0/24")],
        Peers = peers,
    };

    private static (InMemoryKernel Kernel, MemberDataPlane Plane, GroupSaManager Sas) Make(DataPlaneSettings settings)
    {
        var kernel = new InMemoryKernel();
        var plane = new MemberDataPlane(kernel, settings, Underlay, _ => { });
        plane.Start();
        return (kernel, plane, new GroupSaManager(plane.States));
    }

    private static MpsaPut Put(uint spi) => new(new EspSpi(spi), EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256,
        Enumerable.Repeat((byte)7, 32).ToArray(), SecretBytes.CopyFrom(Enumerable.Repeat((byte)(spi & 0xff), 32).ToArray()), 600, 30, 60);

    [Test]
    public void InstallsTunnelPoliciesAndOneOutboundStatePerPeer()
    {
        var (kernel, _, sas) = Make(Tunnel(new PeerSettings("b", Peer2, [IpPrefix.Parse("10.1.2.0/24")]), new PeerSettings("c", Peer3, [IpPrefix.Parse("10.1.3.0/24")])));
        using var put = Put(0xc0000101);
        sas.Receive([put], true, new MonoTime(0));
        Assert.That(kernel.States.Select(s => (s.Source?.ToString() ?? "any", s.Destination.ToString())), Is.EquivalentTo(new[]
        {
            ("any", "192.0.2.11"), ("192.0.2.11", "192.0.2.12"), ("192.0.2.11", "192.0.2.13"),
        }));
        Assert.That(kernel.States.Select(s => s.Spi), Is.All.EqualTo(new EspSpi(0xc0000101)));
        Assert.That(kernel.Policies.Select(p => $"{p.Direction} {p.Selector.Source}>{p.Selector.Destination} {p.Template?.TunnelDestination}"), Is.EquivalentTo(new[]
        {
            "In 0.0.0.0/0>10.1.1.0/24 192.0.2.11", "Fwd 0.0.0.0/0>10.1.1.0/24 192.0.2.11",
            "Out 10.1.1.0/24>10.1.2.0/24 192.0.2.12", "Out 10.1.1.0/24>10.1.3.0/24 192.0.2.13",
        }));
    }

    [Test]
    public void FollowsRoutesToPeers()
    {
        var (kernel, plane, sas) = Make(Tunnel());
        using var put = Put(0xc0000201);
        sas.Receive([put], true, new MonoTime(0));
        plane.Route(new RouteEntry(IpPrefix.Parse("10.1.2.0/24"), Peer2, 2, 100));
        Assert.That(kernel.States.Any(s => s.Destination.Equals(Peer2)), Is.True);
        Assert.That(kernel.Policies.Count(p => p.Direction == XfrmDirection.Out), Is.EqualTo(1));
        plane.Route(new RouteEntry(IpPrefix.Parse("10.9.0.0/16"), Peer2, 2, 100));
        Assert.That(kernel.Policies.Count(p => p.Direction == XfrmDirection.Out), Is.EqualTo(2));
        plane.RouteGone(new RouteEntry(IpPrefix.Parse("10.1.2.0/24"), Peer2, 2, 100));
        plane.RouteGone(new RouteEntry(IpPrefix.Parse("10.9.0.0/16"), Peer2, 2, 100));
        Assert.That(kernel.States.Any(s => s.Destination.Equals(Peer2)), Is.False);
        Assert.That(kernel.Policies.Count(p => p.Direction == XfrmDirection.Out), Is.Zero);
        Assert.That(plane.Peers, Is.Empty);
    }

    [Test]
    public void KeepsStaticPeerWhenItsRouteGoes()
    {
        var (kernel, plane, _) = Make(Tunnel(new PeerSettings("b", Peer2, [IpPrefix.Parse("10.1.2.0/24")])));
        plane.Route(new RouteEntry(IpPrefix.Parse("10.1.2.0/24"), Peer2, 2, 100));
        plane.RouteGone(new RouteEntry(IpPrefix.Parse("10.1.2.0/24"), Peer2, 2, 100));
        Assert.That(plane.Peers, Is.EquivalentTo(new[] { Peer2 }));
        Assert.That(kernel.Policies.Count(p => p.Direction == XfrmDirection.Out), Is.EqualTo(1));
    }

    [Test]
    public void LearnsPeerFromAcquireInTransportMode()
    {
        var (kernel, plane, sas) = Make(DataPlaneSettings.Default with { Mode = XfrmMode.Transport, Acquire = true, Protocols = [(ProtocolType)47] });
        using var put = Put(0xc0000301);
        sas.Receive([put], true, new MonoTime(0));
        Assert.That(kernel.Policies.Single(p => p.Direction == XfrmDirection.Out).Priority, Is.EqualTo(PolicyPlan.TrapPriority), "only the trap policy before any peer");
        plane.Acquired(Peer3);
        Assert.That(kernel.States.Single(s => s.Destination.Equals(Peer3)).Mode, Is.EqualTo(XfrmMode.Transport));
    }

    [Test]
    public void RemovesItsOwnStateAndPoliciesAtStopAndLeavesForeignOnesAlone()
    {
        var (kernel, plane, sas) = Make(Tunnel(new PeerSettings("b", Peer2, [IpPrefix.Parse("10.1.2.0/24")])));
        using var foreignKey = SecretBytes.CopyFrom(new byte[32]);
        using var foreignInteg = SecretBytes.CopyFrom(new byte[32]);
        var foreign = new XfrmStateSpec(Peer2, Underlay, new EspSpi(0x1234), XfrmMode.Tunnel,
            new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128), foreignKey, foreignInteg, 32, 7, null, 0);
        Assert.That(kernel.AddState(foreign).IsOk);
        using var put = Put(0xc0000401);
        sas.Receive([put], true, new MonoTime(0));
        sas.RemoveAll();
        plane.Stop();
        Assert.That(kernel.States.Select(s => s.Spi), Is.EqualTo(new[] { new EspSpi(0x1234) }));
        Assert.That(kernel.Policies, Is.Empty);
    }

    [Test]
    public void RemovesLeftoversOfAnEarlierRunAtStart()
    {
        var kernel = new InMemoryKernel();
        var first = new MemberDataPlane(kernel, Tunnel(new PeerSettings("b", Peer2, [IpPrefix.Parse("10.1.2.0/24")])), Underlay, _ => { });
        first.Start();
        using var put = Put(0xc0000501);
        new GroupSaManager(first.States).Receive([put], true, new MonoTime(0));
        int before = kernel.States.Count + kernel.Policies.Count;
        // A crash: nothing was removed. The next run starts over.
        var second = new MemberDataPlane(kernel, Tunnel(new PeerSettings("b", Peer2, [IpPrefix.Parse("10.1.2.0/24")])), Underlay, _ => { });
        Assert.That(second.Start(), Is.EqualTo(before));
        Assert.That(kernel.States, Is.Empty);
        Assert.That(kernel.Policies, Has.Count.EqualTo(3), "the new run's own base and peer policies, no duplicates");
    }

    [Test]
    public void ReprogramsPeersAndSubnetsOnReloadWithoutTouchingTheSaStates()
    {
        var settings = Tunnel(new PeerSettings("b", Peer2, [IpPrefix.Parse("10.1.2.0/24")]));
        var (kernel, plane, sas) = Make(settings);
        using var put = Put(0xc0000601);
        sas.Receive([put], true, new MonoTime(0));
        var inbound = kernel.States.Single(s => s.Destination.Equals(Underlay));
        var next = settings with
        {
            Subnets = [IpPrefix.Parse("10.1.1.0/24"), IpPrefix.Parse("10.1.9.0/24")],
            Peers = [new PeerSettings("c", Peer3, [IpPrefix.Parse("10.1.3.0/24")])],
        };
        Assert.That(plane.Reconfigure(next), Is.True);
        Assert.That(kernel.States.Single(s => s.Destination.Equals(Underlay)), Is.SameAs(inbound).Or.EqualTo(inbound), "the inbound SA stays");
        Assert.That(kernel.States.Select(s => s.Destination), Is.EquivalentTo(new[] { Underlay, Peer3 }));
        Assert.That(kernel.Policies.Where(p => p.Direction == XfrmDirection.Out).Select(p => $"{p.Selector.Source}>{p.Selector.Destination}"),
            Is.EquivalentTo(new[] { "10.1.1.0/24>10.1.3.0/24", "10.1.9.0/24>10.1.3.0/24" }));
        Assert.That(kernel.Policies.Count(p => p.Direction == XfrmDirection.In), Is.EqualTo(2));
        Assert.That(plane.Reconfigure(next with { Mode = XfrmMode.Transport }), Is.False, "a mode change needs a restart");
    }

    [Test]
    public void APeerGivenANewAddressOnReloadKeepsItsSubnetsCoveredThroughout()
    {
        var lan3 = new[] { IpPrefix.Parse("10.1.3.0/24") };
        var moved = IPAddress.Parse("192.0.2.113");
        var settings = Tunnel(new PeerSettings("c", Peer3, lan3));
        InMemoryKernel? kernel = null;
        var uncovered = new List<string>();
        kernel = new InMemoryKernel(op =>
        {
            if (!kernel!.Policies.Any(p => p.Direction == XfrmDirection.Out && p.Selector.Destination.ToString() == "10.1.3.0/24"))
            {
                uncovered.Add(op);
            }
        });
        var plane = new MemberDataPlane(kernel, settings, Underlay, _ => { });
        plane.Start();
        var sas = new GroupSaManager(plane.States);
        using var put = Put(0xc0000701);
        sas.Receive([put], true, new MonoTime(0));
        uncovered.Clear();

        Assert.That(plane.Reconfigure(settings with { Peers = [new PeerSettings("c", moved, lan3)] }), Is.True);

        Assert.That(uncovered, Is.Empty, "a moment in which lan3's traffic had no policy (it would leave in clear)");
        Assert.That(kernel.Policies.Where(p => p.Direction == XfrmDirection.Out).Select(p => $"{p.Selector.Destination} {p.Template?.TunnelDestination}"),
            Is.EqualTo(new[] { "10.1.3.0/24 192.0.2.113" }));
        Assert.That(kernel.States.Select(s => s.Destination), Is.EquivalentTo(new[] { Underlay, moved }));
    }
}
