using System.Net;

namespace Mpsa.Bench;

/// <summary>
/// `hold`: connects --count simulated CPEs (identities --ids) to the controller at --target and keeps them connected,
/// answering every MPSA_PUT and liveness check, until SIGTERM: the members a soak's controller carries.
/// Prints one RESULT line once all are up, then every --report seconds how many still hold an IKE SA and the rekeys seen.
/// </summary>
internal static class HoldScenario
{
    public static int Run(BenchArgs a)
    {
        var plan = HandshakeScenario.Plan(a, IPEndPoint.Parse(a.String("target"))) with { WaitForMpsa = true };
        int count = a.Int("count", 1000);
        int concurrency = a.Int("concurrency", 32);
        int report = a.Int("report", 60);
        a.EnsureAllRead();
        using var stop = new ManualResetEventSlim();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var gen = new LoadGenerator(plan, count, shards: 1, HandshakeScenario.SourceAddressFor(plan.Target));
        int spisSeen = 0;
        gen.GroupSaReceived += (_, _) => Interlocked.Increment(ref spisSeen);
        var elapsed = gen.Connect(concurrency, TimeSpan.FromSeconds(Math.Max(60, count / 20)));
        Print($"RESULT hold count={count} ok={gen.Completed} failed={gen.Failed} seconds={elapsed.TotalSeconds:F1}");
        if (gen.Completed == 0)
        {
            return 1;
        }
        while (!stop.Wait(TimeSpan.FromSeconds(report)))
        {
            int up = gen.Collect(c => c.Ike is not null).Count(x => x);
            Print($"hold: {up}/{count} hold an IKE SA, {gen.Failed} lost, {Volatile.Read(ref spisSeen)} MPSA_PUTs answered");
        }
        return 0;
    }

    private static void Print(FormattableString line) => Console.WriteLine(FormattableString.Invariant(line));
}
