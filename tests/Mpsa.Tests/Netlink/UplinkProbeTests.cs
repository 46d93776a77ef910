using System.Net;
using Mpsa.Agent.Uplink;
using Mpsa.Netlink.Route;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Netlink;

/// <summary>
/// The agent's wait for its uplink against the running kernel, in a throwaway network namespace: the address and the
/// route towards the controller appear while it waits (on lo: the development hosts' kernel has no dummy or veth
/// devices), and only rtnetlink events can wake it (its rechecks are minutes apart).
/// </summary>
[TestFixture]
[Category("Rtnetlink")]
[NonParallelizable]
public class UplinkProbeTests
{
    private static readonly IPAddress Controller = IPAddress.Parse("198.51.100.1");
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);
    private NetworkNamespace _ns = null!;

    [SetUp]
    public void CreateNamespace() => _ns = NetworkNamespace.CreateOrIgnore();

    [TearDown]
    public void DeleteNamespace() => _ns.Dispose();

    [Test]
    public async Task WaitsUntilARouteTowardsTheControllerAppears()
    {
        var log = new RecordingLogger();
        var wait = Wait(null, log);
        await Task.Delay(300);
        _ns.Ip("addr add 198.51.100.2/32 dev lo");
        await Task.Delay(300);
        Assert.That(wait.IsCompleted, Is.False, "an address, but no route towards the controller yet");
        _ns.Ip("route add 198.51.100.0/24 dev lo src 198.51.100.2");
        Assert.That(await wait.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(IPAddress.Parse("198.51.100.2")));
        Assert.That(log.Lines.Single(l => l.EventId == 103).Text, Does.Contain("no route towards the controller 198.51.100.1"));
        Assert.That(log.Count(104), Is.EqualTo(1));
    }

    [Test]
    public async Task WaitsUntilTheConfiguredLocalAddressIsAssigned()
    {
        _ns.Ip("route add 198.51.100.0/24 dev lo");
        var log = new RecordingLogger();
        var wait = Wait(IPAddress.Parse("198.51.100.9"), log);
        await Task.Delay(300);
        Assert.That(wait.IsCompleted, Is.False);
        _ns.Ip("addr add 198.51.100.9/32 dev lo");
        Assert.That(await wait.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(IPAddress.Parse("198.51.100.9")));
        Assert.That(log.Lines.Single(l => l.EventId == 103).Text, Does.Contain("local_address 198.51.100.9 is on no interface yet"));
    }

    [Test]
    public void IsUpAtOnceWhenTheRouteIsThere()
    {
        _ns.Ip("addr add 198.51.100.2/32 dev lo");
        _ns.Ip("route add 198.51.100.0/24 dev lo src 198.51.100.2");
        Assert.That(_ns.Run(() => UplinkProbe.Now(Controller, null)), Is.EqualTo(new UplinkState(IPAddress.Parse("198.51.100.2"), null)));
    }

    [Test]
    public async Task TheMonitorSleepsUntilAnEventAndIsStoppedWithoutWaitingForAPollInterval()
    {
        int changes = 0;
        // a 10-minute poll interval: only an event wakes the thread, and only the eventfd can end it in time
        var monitor = _ns.Run(() => new AddressAndRouteMonitor(() => Interlocked.Increment(ref changes), pollMilliseconds: 600_000));
        _ns.Ip("addr add 198.51.100.2/32 dev lo");
        await Task.Run(async () =>
        {
            while (Volatile.Read(ref changes) == 0)
            {
                await Task.Delay(50);
            }
        }).WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Run(monitor.Dispose).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The wait, with every probe and the monitor's socket inside the namespace.</summary>
    private Task<IPAddress?> Wait(IPAddress? local, RecordingLogger log) =>
        Task.Run(() => UplinkWait.UntilUp(() => _ns.Run(() => UplinkProbe.Now(Controller, local)), changed => _ns.Run(() => new AddressAndRouteMonitor(changed)),
            log, Long, Long, CancellationToken.None));
}
