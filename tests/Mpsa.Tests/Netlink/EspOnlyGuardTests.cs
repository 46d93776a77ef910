using System.Net;
using System.Net.Sockets;
using Mpsa.Netlink.ChildSas;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Xfrm;

namespace Mpsa.Tests.Netlink;

/// <summary>esp_only: the guard's policies, their bookkeeping, and on the running kernel that plain BGP no longer flows.</summary>
[TestFixture]
public class EspOnlyGuardTests
{
    private const uint GuardReqId = 0x4d505343;
    private static readonly IpPrefix Local = IpPrefix.Parse("192.0.2.11/32");
    private static readonly IpPrefix Controller = IpPrefix.Parse("192.0.2.1/32");

    [Test]
    public void GuardsAPortBothWaysInBothDirectionsAndAWholeProtocolOnce()
    {
        var plan = EspOnlyGuard.Plan(Local, Controller, [(ProtocolType.Tcp, 179), ((ProtocolType)47, 0)], GuardReqId).ToList();

        Assert.That(plan.Select(p => $"{p.Direction} {p.Selector}"), Is.EqualTo(new[]
        {
            "Out src 192.0.2.11/32 dst 192.0.2.1/32 proto tcp dport 179",
            "Out src 192.0.2.11/32 dst 192.0.2.1/32 proto tcp sport 179",
            "In src 192.0.2.1/32 dst 192.0.2.11/32 proto tcp sport 179",
            "In src 192.0.2.1/32 dst 192.0.2.11/32 proto tcp dport 179",
            "Out src 192.0.2.11/32 dst 192.0.2.1/32 proto 47",
            "In src 192.0.2.1/32 dst 192.0.2.11/32 proto 47",
        }));
        Assert.That(plan.Select(p => (p.Priority, p.Template?.ReqId, p.Template?.Mode)), Is.All.EqualTo((EspOnlyGuard.Priority, (uint?)GuardReqId, (XfrmMode?)XfrmMode.Transport)));
        Assert.That(EspOnlyGuard.Priority, Is.GreaterThan(ChildSaPlan.Priority), "a CHILD_SA's own policies must win while it is up");
    }

    [Test]
    public void ReplacesItselfRemovesACrashedRunsGuardAndLeavesWithTheDaemon()
    {
        var kernel = new InMemoryKernel();
        var leftover = EspOnlyGuard.Plan(Local, Controller, [(ProtocolType.Udp, 53)], GuardReqId).First();
        Assert.That(kernel.AddPolicy(leftover).IsOk);
        var guard = new EspOnlyGuard(kernel, GuardReqId, _ => { });

        guard.Install([(Local, Controller)], [(ProtocolType.Tcp, 179)]);
        Assert.That(kernel.Policies, Has.Count.EqualTo(4));
        Assert.That(kernel.Policies.Select(p => p.Selector.DestinationPort + p.Selector.SourcePort), Is.All.EqualTo(179), "the leftover udp/53 went");

        guard.Install([(Local, Controller)], []);
        Assert.That(kernel.Policies, Is.Empty);

        guard.Install([(Local, Controller)], [(ProtocolType.Tcp, 179)]);
        guard.Remove();
        Assert.That(kernel.Policies, Is.Empty);
    }

    [Test]
    [Category("XfrmContract")]
    [NonParallelizable]
    public void PlainTcpToTheGuardedPortIsDroppedByTheKernelWhileOtherPortsStillConnect()
    {
        using var ns = NetworkNamespace.CreateOrIgnore();
        ns.Ip("link set lo up");
        ns.Run(XfrmOnLoopback);
        using var kernel = ns.Run(() => new XfrmKernel());
        var guard = new EspOnlyGuard(kernel, GuardReqId, _ => { });
        var here = IPAddress.Parse("127.0.0.1");
        var peer = IPAddress.Parse("127.0.0.2");
        using var bgp = ns.Run(() => Listen(peer, 179));
        using var other = ns.Run(() => Listen(peer, 180));
        Assert.That(ns.Run(() => Connects(here, peer, 179)), Is.True, "without the guard");

        guard.Install([(IpPrefix.Host(here), IpPrefix.Host(peer))], [(ProtocolType.Tcp, 179)]);

        Assert.That(ns.Run(() => Connects(here, peer, 179)), Is.False, "no CHILD_SA: the SYN must not leave in plain text");
        Assert.That(ns.Run(() => Connects(here, peer, 180)), Is.True, "only the guarded port");
        Assert.That(ns.Run(() => XfrmStat("XfrmOutNoStates")), Is.GreaterThan(0), "dropped by the out policy");

        // The other way round: the peer (not guarded here) connects to our port 179; our in policy drops its plain SYN.
        using var ours = ns.Run(() => Listen(here, 179));
        Assert.That(ns.Run(() => Connects(peer, here, 179)), Is.False, "a plain SYN must not be accepted");
        Assert.That(ns.Run(() => XfrmStat("XfrmInTmplMismatch") + XfrmStat("XfrmInNoStates")), Is.GreaterThan(0), "dropped by the in policy");
        guard.Remove();
        Assert.That(ns.Run(() => Connects(here, peer, 179)), Is.True, "the guard left with the daemon");
    }

    /// <summary>lo skips XFRM by default (disable_xfrm, disable_policy); this namespace's lo must not.</summary>
    private static bool XfrmOnLoopback()
    {
        File.WriteAllText("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "0");
        File.WriteAllText("/proc/sys/net/ipv4/conf/lo/disable_policy", "0");
        return true;
    }

    private static long XfrmStat(string counter) => File.ReadLines("/proc/thread-self/net/xfrm_stat")
        .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        .Where(f => f.Length == 2 && f[0] == counter).Select(f => long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)).Single();

    private static Socket Listen(IPAddress address, int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(address, port));
        s.Listen(8);
        return s;
    }

    private static bool Connects(IPAddress from, IPAddress to, int port)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(from, 0));
        try
        {
            return s.ConnectAsync(new IPEndPoint(to, port)).Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            return false;
        }
    }
}
