using System.Globalization;
using System.Net;

namespace Mpsa.Bench;

/// <summary>
/// `fanout`: starts mpsa-controller itself (a generated config with --count members), connects every simulated CPE,
/// reads the controller's RSS per connected CPE, starts --rekeys rekeys (each by removing a spare member and SIGHUP)
/// and times each to the last acknowledgement; with --storm yes it then restarts the controller and times
/// all CPEs reconnecting at once, cookies active, until every one holds the group SA again.
/// </summary>
internal static class FanOutScenario
{
    public static int Run(BenchArgs a)
    {
        string binary = a.String("controller");
        string dir = a.String("dir");
        int port = a.Int("port", 45500);
        int count = a.Int("count", 1000);
        int concurrency = a.Int("concurrency", 64);
        int shards = a.Int("shards", 2);
        int rekeys = a.Int("rekeys", 3);
        bool storm = a.Flag("storm");
        int cookieThreshold = a.Int("cookie-threshold", 100);
        string logLevel = a.String("log-level", "info");
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var plan = HandshakeScenario.Plan(a, target) with { WaitForMpsa = true };
        a.EnsureAllRead();

        Directory.CreateDirectory(dir);
        string config = Path.Combine(dir, "controller.conf");
        string log = Path.Combine(dir, "controller.log");
        var spec = new ControllerConfigSpec(count, $"127.0.0.1:{port}", Suite(plan), "mpsa-bench-psk-0123456789", plan.IdentityFormat, Path.Combine(dir, "ctl.sock"))
        {
            LogLevel = logLevel,
            CookieThreshold = cookieThreshold,
        };
        ControllerConfigWriter.Write(config, spec, sparesLeft: rekeys);
        var timeout = TimeSpan.FromSeconds(Math.Max(60, count / 50));
        var controller = new ControllerProcess(binary, config, log);
        try
        {
            using var gen = new LoadGenerator(plan, count, shards, IPAddress.Loopback);
            // The controller rekeys when a connected member is removed: the spares connect, and each rekey removes one.
            using var spares = new LoadGenerator(plan with { IdentityFormat = "spare{i}.bench" }, rekeys, 1, IPAddress.Loopback);
            spares.Connect(rekeys, timeout);
            Thread.Sleep(1000);
            long rss0 = controller.RssKb();
            var connect = gen.Connect(concurrency, timeout);
            Thread.Sleep(2000);
            long rssN = controller.RssKb();
            Print($"RESULT connect count={count} ok={gen.Completed} failed={gen.Failed} seconds={connect.TotalSeconds:F2} rate={gen.Completed / connect.TotalSeconds:F0} {LatencySummary.Format(gen.Latencies())}");
            Print($"RESULT rss count={count} rss0_kb={rss0} rssN_kb={rssN} per_cpe_kb={(rssN - rss0) / (double)count:F2}");
            for (int r = 0; r < rekeys; r++)
            {
                // The simulated CPEs share one process and its GC: a full collection in the middle of the window (every
                // second round, before this) held back thousands of answers at once, which no real fleet does.
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                gen.ResetRekey();
                int repeated0 = gen.RepeatedRequests;
                var controllerCpu0 = controller.CpuTime();
                var ownCpu0 = Environment.CpuUsage.TotalTime;
                int gen2Collections0 = GC.CollectionCount(2);
                ControllerConfigWriter.Write(config, spec, sparesLeft: rekeys - r - 1);
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                controller.Signal("HUP");
                bool all = LoadGenerator.WaitUntil(() => gen.Rekeyed >= count, timeout);
                double lastPut = all ? (gen.LastRekeyAt - start) * 1000.0 / System.Diagnostics.Stopwatch.Frequency : double.NaN;
                // The spares not removed yet are members of the group too.
                long? ackMs = controller.RekeyCompletedMs(count + rekeys - r - 1, TimeSpan.FromSeconds(30));
                double controllerCpu = (controller.CpuTime() - controllerCpu0).TotalMilliseconds;
                double ownCpu = (Environment.CpuUsage.TotalTime - ownCpu0).TotalMilliseconds;
                var delays = gen.RekeyDelays(start);
                delays.Sort();
                Print($"RESULT rekey count={count} round={r + 1} members_rekeyed={gen.Rekeyed} controller_ms={ackMs?.ToString(CultureInfo.InvariantCulture) ?? "none"} signal_to_last_put_ms={lastPut:F0} put_p50_ms={LatencySummary.Percentile(delays, 50):F0} put_p90_ms={LatencySummary.Percentile(delays, 90):F0} put_p99_ms={LatencySummary.Percentile(delays, 99):F0} repeated_requests={gen.RepeatedRequests - repeated0} controller_cpu_ms={controllerCpu:F0} generator_cpu_ms={ownCpu:F0} generator_gen2_gcs={GC.CollectionCount(2) - gen2Collections0}");
            }
            if (storm)
            {
                controller.Dispose();
                controller = new ControllerProcess(binary, config, log);
                var elapsed = gen.Connect(count, timeout);
                Print($"RESULT storm count={count} ok={gen.Completed} failed={gen.Failed} cookie_threshold={cookieThreshold} extra_init_rounds={gen.ExtraInitRounds} seconds={elapsed.TotalSeconds:F2} {LatencySummary.Format(gen.Latencies())}");
            }
        }
        finally
        {
            controller.Dispose();
        }
        return 0;
    }

    private static string Suite(LoadPlan plan) => Mpsa.Ike.Crypto.SuiteNames.Name(plan.Ike);

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
