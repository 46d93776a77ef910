using System.Net;
using Mpsa.Agent.GroupSa;
using Mpsa.Netlink.Kernel;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Agent;

/// <summary>
/// A GroupSaManager over a KernelDataPlane over an InMemoryKernel, on a virtual clock that jumps from deadline to
/// deadline (quinn's test driver). Local underlay 192.0.2.1, peers 198.51.100.2 and 198.51.100.3 unless given.
/// </summary>
internal sealed class GroupSaRig : IDisposable
{
    public static readonly IPAddress Local = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress Peer2 = IPAddress.Parse("198.51.100.2");
    public static readonly IPAddress Peer3 = IPAddress.Parse("198.51.100.3");

    public GroupSaRig(IReadOnlyList<IPAddress>? peers = null, MpsaPolicy? policy = null, IKernel? kernel = null)
    {
        Kernel = kernel is Support.FaultyKernel faulty ? faulty.Inner : new InMemoryKernel(Trace.Add);
        DataPlane = new KernelDataPlane(kernel ?? Kernel, Local, peers ?? [Peer2, Peer3], log: Log.Add);
        Manager = new GroupSaManager(DataPlane, policy);
    }

    /// <summary>The dry-run trace of every kernel request.</summary>
    public List<string> Trace { get; } = [];

    /// <summary>The data plane's log of kernel failures.</summary>
    public List<string> Log { get; } = [];

    public InMemoryKernel Kernel { get; }

    public KernelDataPlane DataPlane { get; }

    public GroupSaManager Manager { get; }

    public MonoTime Now { get; private set; } = new(0);

    /// <summary>Refusals the manager reported from its timers (outbound refused at ROLL1), in order.</summary>
    public List<MpsaRefusal> Failures { get; } = [];

    /// <summary>One MPSA_PUT message (all the puts together), from a controller that sent V(MPSA); disposes them.</summary>
    public GroupSaOutcome Receive(params MpsaPut[] puts)
    {
        try
        {
            return Manager.Receive(puts, peerSentVendorId: true, Now);
        }
        finally
        {
            foreach (var put in puts)
            {
                put.Dispose();
            }
        }
    }

    /// <summary>Moves the clock to <paramref name="seconds"/>, waking at each deadline on the way (like the driver loop), then once more, spuriously, at the target.</summary>
    public void AdvanceTo(double seconds)
    {
        var to = new MonoTime((long)Math.Round(seconds * 1000));
        Assert.That(to, Is.GreaterThanOrEqualTo(Now), "the virtual clock only moves forward");
        while (Manager.NextDeadline is { } d && d <= to)
        {
            Now = d > Now ? d : Now;
            Failures.AddRange(Manager.OnTimeout(Now));
        }
        Now = to;
        Failures.AddRange(Manager.OnTimeout(Now));
    }

    /// <summary>What the kernel holds, sorted: "in c0000001" for inbound, "out 198.51.100.2 c0000001" per outbound state.</summary>
    public string[] Contents() =>
        [.. Kernel.States
            .Select(s => s.Source is null ? $"in {s.Spi}" : $"out {s.Destination} {s.Spi}")
            .Order(StringComparer.Ordinal)];

    /// <summary>Contents for the SAs given as (spi, inbound, outbound), to both default peers.</summary>
    public static string[] Expect(params (uint Spi, bool In, bool Out)[] sas) =>
        [.. sas.SelectMany(sa => Lines(new EspSpi(sa.Spi), sa.In, sa.Out)).Order(StringComparer.Ordinal)];

    private static IEnumerable<string> Lines(EspSpi spi, bool inbound, bool outbound)
    {
        if (inbound)
        {
            yield return $"in {spi}";
        }
        if (outbound)
        {
            yield return $"out {Peer2} {spi}";
            yield return $"out {Peer3} {spi}";
        }
    }

    /// <summary>"c0000001 active" per SA, oldest first.</summary>
    public string[] States() => [.. Manager.Snapshot(Now).Select(s => $"{s.Spi} {s.State}")];

    public void Dispose()
    {
        Manager.RemoveAll();
        Manager.Dispose();
        Kernel.Dispose();
    }
}
