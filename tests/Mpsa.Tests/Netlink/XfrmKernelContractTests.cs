using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Xfrm;
using static Mpsa.Tests.Netlink.XfrmSpecs;

namespace Mpsa.Tests.Netlink;

/// <summary>
/// The kernel contract against <see cref="XfrmKernel"/> on the running kernel, each test in a fresh network namespace.
/// On a kernel without ESP (this project's development hosts) the state tests are ignored and the policy and ALLOCSPI
/// tests still run; inside User-Mode Linux (kernel 6.1 with ESP) everything runs:
/// <code>
/// dotnet build tests/Mpsa.Tests
/// tests/Mpsa.Tests/Netlink/uml-run.sh 'dotnet test tests/Mpsa.Tests/bin/Debug/net10.0/Mpsa.Tests.dll --filter Category=XfrmContract'
/// </code>
/// Needs root and iproute2 (ignored otherwise).
/// </summary>
[TestFixture]
[Category("XfrmContract")]
[NonParallelizable]
public class XfrmKernelContractTests : KernelContractTests
{
    private static string? s_noEsp;
    private NetworkNamespace? _ns;

    private protected override IKernel CreateKernel()
    {
        _ns = NetworkNamespace.CreateOrIgnore();
        return _ns.Run(() => new XfrmKernel());
    }

    private protected override void RequireEspStates()
    {
        s_noEsp ??= ProbeEsp();
        if (s_noEsp.Length > 0)
        {
            Assert.Ignore($"this kernel cannot hold ESP states ({s_noEsp}); run the contract inside User-Mode Linux");
        }
    }

    [TearDown]
    public void DeleteNamespace() => _ns?.Dispose();

    [Test]
    public void RaisesSoftThenHardExpire()
    {
        RequireEspStates();
        var events = new BlockingCollection<KernelEvent>();
        using var subscription = _ns!.Run(() => Kernel.Subscribe(events.Add));
        var spec = State("192.0.2.1", 0xc0000101) with { SoftLifetimeSeconds = 1, HardLifetimeSeconds = 2 };
        Assert.That(Kernel.AddState(spec).IsOk);

        Assert.That(events.TryTake(out var soft, TimeSpan.FromSeconds(20)), "soft expire");
        Assert.That(events.TryTake(out var hard, TimeSpan.FromSeconds(20)), "hard expire");

        Assert.That(soft, Is.EqualTo(new StateExpired(spec.Id, OwnReqId, Hard: false)));
        Assert.That(hard, Is.EqualTo(new StateExpired(spec.Id, OwnReqId, Hard: true)));
        Assert.That(Kernel.ListStates(KernelOwnership.Of(OwnReqId)), Is.Empty, "the kernel deletes a state at its hard expiry");
    }

    [Test]
    public void RaisesAcquireWhenAPacketHitsAPolicyWithoutState()
    {
        RequireEspStates(); // a kernel without ESP sends no acquire
        var events = new BlockingCollection<KernelEvent>();
        using var subscription = _ns!.Run(() => Kernel.Subscribe(events.Add));
        // Not through lo: the loopback device has disable_xfrm set.
        _ns.Ip("link add mpsa0 type dummy");
        _ns.Ip("link set mpsa0 up");
        _ns.Ip("addr add 10.1.0.1/32 dev mpsa0");
        _ns.Ip("route add 10.2.0.0/16 dev mpsa0 src 10.1.0.1");
        var policy = Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.Out);
        Assert.That(Kernel.AddPolicy(policy).IsOk);

        _ns.Run(() =>
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.SendTo(new byte[8], new IPEndPoint(IPAddress.Parse("10.2.0.7"), 9));
            }
            catch (SocketException)
            {
                // EAGAIN while the kernel waits for the key manager: expected.
            }
            return 0;
        });

        Assert.That(events.TryTake(out var e, TimeSpan.FromSeconds(10)), "acquire");
        Assert.That(e, Is.EqualTo(new AcquireRequested(policy.Id, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.2"), OwnReqId)));
    }

    /// <summary>"" when a CBC/HMAC state can be added here; otherwise the refusal.</summary>
    private string ProbeEsp()
    {
        var probe = State("192.0.2.254", 0x7fff, reqId: 1);
        var r = Kernel.AddState(probe);
        if (!r.IsOk)
        {
            return r.Message;
        }
        Kernel.DeleteState(probe.Id);
        return string.Empty;
    }
}
