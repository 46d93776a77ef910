using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Bench;

/// <summary>
/// `handshake`: N setups (IKE_SA_INIT + IKE_AUTH with a CHILD_SA, + the first MPSA_PUT with --wait-mpsa yes), at most
/// --concurrency in flight, against whatever responder listens at --target with identity --responder-id (default
/// controller.bench, every CPE's IDr); prints setups/s and latency percentiles.
/// </summary>
internal static class HandshakeScenario
{
    public static int Run(BenchArgs a)
    {
        var plan = Plan(a, IPEndPoint.Parse(a.String("target")));
        int count = a.Int("count", 2000);
        int warmup = a.Int("warmup", 200);
        int concurrency = a.Int("concurrency", 64);
        int shards = a.Int("shards", 2);
        string label = a.String("label", "responder");
        var timeout = TimeSpan.FromSeconds(a.Int("timeout", 120));
        int responderPid = a.Int("responder-pid", 0);
        a.EnsureAllRead();
        var bind = SourceAddressFor(plan.Target);
        // Identities [count, count + warmup) warm the JIT of both sides first; they are not measured.
        using (var warm = new LoadGenerator(plan, warmup, shards, bind, firstIndex: count))
        {
            warm.Connect(concurrency, timeout);
        }
        using var gen = new LoadGenerator(plan, count, shards, bind);
        long responderCpu0 = responderPid > 0 ? ProcStatus.CpuNs(responderPid) : 0;
        var ownCpu0 = Environment.CpuUsage.TotalTime;
        var elapsed = gen.Connect(concurrency, timeout);
        // Setups per CPU-second of the responder: what the shared, noisy cores cannot blur (wall-clock rate can).
        double responderCpuSeconds = responderPid > 0 ? (ProcStatus.CpuNs(responderPid) - responderCpu0) / 1e9 : double.NaN;
        double ownCpuMs = (Environment.CpuUsage.TotalTime - ownCpu0).TotalMilliseconds;
        double rate = gen.Completed / elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT handshake label={label} suite={SuiteNames.Name(plan.Ike)} count={count} ok={gen.Completed} failed={gen.Failed} concurrency={concurrency} seconds={elapsed.TotalSeconds:F2} rate={rate:F0} {LatencySummary.Format(gen.Latencies())} responder_cpu_s={responderCpuSeconds:F2} per_cpu_s={gen.Completed / responderCpuSeconds:F0} generator_cpu_ms_per_setup={ownCpuMs / Math.Max(1, gen.Completed):F2}"));
        return gen.Failed == 0 && gen.Completed == count ? 0 : 1;
    }

    public static LoadPlan Plan(BenchArgs a, IPEndPoint target)
    {
        if (!SuiteNames.TryParseIke(a.String("ike", "chacha20poly1305-prfsha256-x25519"), out var ike, out var error)
            || !SuiteNames.TryParseEsp(a.String("esp", "aes256-sha256"), out var esp, out error))
        {
            throw new ArgumentException(error);
        }
        var local = SourceAddressFor(target);
        return new LoadPlan(target, ike, esp, SecretBytes.CopyFrom(System.Text.Encoding.UTF8.GetBytes(a.String("psk", "mpsa-bench-psk-0123456789"))),
            a.String("ids", "cpe{i}.bench"), a.String("responder-id", "controller.bench"), a.Flag("wait-mpsa"),
            [TrafficSelector.ForHost(local)], [TrafficSelector.ForHost(target.Address)]) { RequestChildSa = !a.Flag("childless") };
    }

    /// <summary>The address the kernel would send from towards <paramref name="target"/>.</summary>
    public static IPAddress SourceAddressFor(IPEndPoint target)
    {
        using var probe = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        probe.Connect(target);
        return ((IPEndPoint)probe.LocalEndPoint!).Address;
    }
}
