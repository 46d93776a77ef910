using System.Net;
using System.Net.Sockets;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.ChildSas;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.Netlink;

/// <summary>A negotiated CHILD_SA as states and policies, and the installer that owns them by reqid.</summary>
public class ChildSaPlanTests
{
    private static readonly IPEndPoint Local = new(IPAddress.Parse("192.0.2.11"), 500);
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.1"), 500);

    private static ChildSa Child(bool transport, bool encap = false, IReadOnlyList<TrafficSelector>? local = null, IReadOnlyList<TrafficSelector>? remote = null,
        uint spi = 1)
    {
        var suite = new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128);
        EspKeys Keys(byte b) => new(suite, SecretBytes.CopyFrom(Enumerable.Repeat(b, 32).ToArray()), SecretBytes.CopyFrom(Enumerable.Repeat((byte)(b + 1), 32).ToArray()));
        return new ChildSa(suite, 0xc1000000 + spi, 0xc2000001 + spi, Keys(1), Keys(3),
            local ?? [TrafficSelector.ForHost(Local.Address)], remote ?? [TrafficSelector.ForHost(Peer.Address)], transport, encap);
    }

    [Test]
    public void TransportModeProtectsAllTrafficBetweenTheIkeAddresses()
    {
        using var child = Child(transport: true);
        var (states, policies) = ChildSaPlan.Build(child, Local, Peer, 0x4d505342);

        Assert.That(states.Select(s => s.ToString()), Is.EqualTo(new[]
        {
            "in src 192.0.2.1 dst 192.0.2.11 spi 0xc1000001 esp cbc(aes) 256 hmac(sha256) 128 transport replay 64 reqid 0x4d505342",
            "out src 192.0.2.11 dst 192.0.2.1 spi 0xc2000002 esp cbc(aes) 256 hmac(sha256) 128 transport replay 0 reqid 0x4d505342",
        }));
        Assert.That(states[0].EncrKey.Span.ToArray(), Is.All.EqualTo(1), "inbound keys");
        Assert.That(states[1].EncrKey.Span.ToArray(), Is.All.EqualTo(3), "outbound keys");
        Assert.That(policies.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "out src 192.0.2.11/32 dst 192.0.2.1/32 priority 500 tmpl src any dst any esp transport reqid 0x4d505342",
            "in src 192.0.2.1/32 dst 192.0.2.11/32 priority 500 tmpl src any dst any esp transport reqid 0x4d505342",
        }));
    }

    [Test]
    public void OverIPv6NeighborDiscoveryBetweenTheEndpointsStaysInClear()
    {
        var local = new IPEndPoint(IPAddress.Parse("2001:db8::11"), 500);
        var peer = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 500);
        using var child = Child(transport: true, local: [TrafficSelector.ForHost(local.Address)], remote: [TrafficSelector.ForHost(peer.Address)]);
        var (_, policies) = ChildSaPlan.Build(child, local, peer, 0x4d505342);
        Assert.That(policies.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "out src 2001:db8::11/128 dst 2001:db8::1/128 priority 500 tmpl src any dst any esp transport reqid 0x4d505342",
            "in src 2001:db8::1/128 dst 2001:db8::11/128 priority 500 tmpl src any dst any esp transport reqid 0x4d505342",
            "out src 2001:db8::11/128 dst 2001:db8::1/128 proto ipv6-icmp sport 135 priority 400 allow",
            "in src 2001:db8::1/128 dst 2001:db8::11/128 proto ipv6-icmp sport 135 priority 400 allow",
            "out src 2001:db8::11/128 dst 2001:db8::1/128 proto ipv6-icmp sport 136 priority 400 allow",
            "in src 2001:db8::1/128 dst 2001:db8::11/128 proto ipv6-icmp sport 136 priority 400 allow",
        }));
    }

    [Test]
    public void TransportModeUsesTheEndpointsEvenWhenTheSelectorsSayAny()
    {
        using var child = Child(transport: true, local: [TrafficSelector.AnyIPv4], remote: [TrafficSelector.AnyIPv4]);
        var (_, policies) = ChildSaPlan.Build(child, Local, Peer, 1);
        Assert.That(policies.All(p => p.Selector.Source.Length == 32 && p.Selector.Destination.Length == 32));
    }

    [Test]
    public void BehindANatBothStatesCarryEspInUdpBetweenTheNatTraversalPorts()
    {
        using var child = Child(transport: true, encap: true);
        var (states, _) = ChildSaPlan.Build(child, new IPEndPoint(Local.Address, 4500), new IPEndPoint(IPAddress.Parse("203.0.113.5"), 31000), 1);
        Assert.That(states[0].Encap, Is.EqualTo(new XfrmEncap(31000, 4500)), "inbound: from the NAT's port to ours");
        Assert.That(states[1].Encap, Is.EqualTo(new XfrmEncap(4500, 31000)), "outbound: from ours to the NAT's port");
    }

    [Test]
    public void TunnelModeCoversTheNegotiatedPrefixesBothWays()
    {
        var subnet = new TrafficSelector(TsType.TS_IPV4_ADDR_RANGE, 6, 179, 179, IPAddress.Parse("10.1.0.0"), IPAddress.Parse("10.1.0.255"));
        using var child = Child(transport: false, local: [subnet], remote: [TrafficSelector.ForHost(IPAddress.Parse("10.0.0.1"))]);
        var (states, policies) = ChildSaPlan.Build(child, Local, Peer, 9);

        Assert.That(states.All(s => s.Mode == XfrmMode.Tunnel));
        Assert.That(policies.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "out src 10.1.0.0/24 dst 10.0.0.1/32 proto tcp sport 179 priority 500 tmpl src 192.0.2.11 dst 192.0.2.1 esp tunnel reqid 0x9",
            "in src 10.0.0.1/32 dst 10.1.0.0/24 proto tcp dport 179 priority 500 tmpl src 192.0.2.1 dst 192.0.2.11 esp tunnel reqid 0x9",
            "fwd src 10.0.0.1/32 dst 10.1.0.0/24 proto tcp dport 179 priority 500 tmpl src 192.0.2.1 dst 192.0.2.11 esp tunnel reqid 0x9",
        }));
    }

    [TestCase("10.0.0.0", "10.0.0.255", "10.0.0.0/24")]
    [TestCase("10.0.0.7", "10.0.0.7", "10.0.0.7/32")]
    [TestCase("0.0.0.0", "255.255.255.255", "0.0.0.0/0")]
    [TestCase("2001:db8::", "2001:db8::ffff", "2001:db8::/112")]
    [TestCase("10.0.0.1", "10.0.0.255", null)]
    [TestCase("10.0.0.0", "10.0.0.254", null)]
    [TestCase("10.0.0.0", "10.0.1.255", "10.0.0.0/23")]
    [TestCase("10.0.1.0", "10.0.2.255", null)]
    public void ARangeIsAPrefixOnlyWhenItIsExactlyOne(string start, string end, string? prefix)
    {
        bool ok = ChildSaPlan.TryPrefix(IPAddress.Parse(start), IPAddress.Parse(end), out var p);
        Assert.That(ok ? p.ToString() : null, Is.EqualTo(prefix));
    }

    [Test]
    public void RekeyKeepsTheReqIdAndAnAnsweredRekeySendsOnTheNewSaOnlyOnceTheOldIsDeleted()
    {
        var kernel = new InMemoryKernel();
        var installer = new ChildSaInstaller<int>(kernel, new KernelOwnership(100, 100), _ => { });
        using var old = Child(transport: true);
        using var next = Child(transport: true, spi: 2);
        Assert.That(installer.Install(1, old, Local, Peer).IsOk);

        // we answered the peer's rekey: the new inbound now, the new outbound held back (the peer lacks the SA yet)
        Assert.That(installer.Rekey(1, next, Local, Peer, outboundAfterOldDeleted: true).IsOk, "one reqid suffices: it is kept");
        string[] Spis(XfrmDirection d) => [.. kernel.States.Where(s => s.Direction == d).Select(s => s.Spi.ToString()).Order()];
        Assert.That(Spis(XfrmDirection.In), Is.EqualTo(new[] { "c1000001", "c1000002" }));
        Assert.That(Spis(XfrmDirection.Out), Is.EqualTo(new[] { "c2000002" }), "still sending on the old SA");
        Assert.That(kernel.States.Select(s => s.ReqId), Is.All.EqualTo(100u));

        // the peer deletes the old CHILD_SA (naming our old outbound SPI): the new outbound goes in, the old states out
        Assert.That(installer.RemovePeerDeleted(1, [old.OutboundSpi]));
        Assert.That(Spis(XfrmDirection.In), Is.EqualTo(new[] { "c1000002" }));
        Assert.That(Spis(XfrmDirection.Out), Is.EqualTo(new[] { "c2000003" }));
        installer.RemoveAll();
        Assert.That(kernel.States, Is.Empty);
    }

    [Test]
    public void InstallerGivesEachKeyItsOwnReqIdAndTakesOutExactlyWhatItPutIn()
    {
        var kernel = new InMemoryKernel();
        var owner = new KernelOwnership(100, 101);
        var installer = new ChildSaInstaller<int>(kernel, owner, _ => { });
        using var a = Child(transport: true);
        using var b = Child(transport: true, spi: 2);
        Assert.That(installer.Install(1, a, Local, Peer).IsOk);
        Assert.That(installer.Install(2, b, Local, new IPEndPoint(IPAddress.Parse("192.0.2.2"), 500)).IsOk);
        using var c = Child(transport: true, spi: 3);
        var full = installer.Install(3, c, Local, new IPEndPoint(IPAddress.Parse("192.0.2.3"), 500));

        Assert.That(full.IsOk, Is.False, "two reqids, three CHILD_SAs");
        Assert.That(kernel.States.Select(s => s.ReqId).Distinct(), Is.EquivalentTo(new uint[] { 100, 101 }));
        Assert.That(installer.Remove(1));
        Assert.That(kernel.States.Select(s => s.ReqId), Is.All.EqualTo(101u));
        Assert.That(kernel.Policies.Select(p => p.ReqId), Is.All.EqualTo(101u));
        installer.RemoveAll();
        Assert.That(kernel.States, Is.Empty);
        Assert.That(kernel.Policies, Is.Empty);
    }

    [Test]
    public void InstallerLeavesNothingBehindWhenTheKernelRefusesAState()
    {
        using var refusing = new Support.FaultyKernel { Refuse = _ => true };
        var inner = refusing.Inner;
        var installer = new ChildSaInstaller<int>(refusing, KernelOwnership.Of(5), _ => { });
        using var child = Child(transport: true);

        var r = installer.Install(1, child, Local, Peer);

        Assert.That(r.Errno, Is.EqualTo(12));
        Assert.That(inner.States, Is.Empty);
        Assert.That(inner.Policies, Is.Empty);
        Assert.That(installer.Count, Is.Zero);
    }
}
