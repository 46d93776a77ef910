using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mpsa.Ike.Wire;

namespace Mpsa.Bench;

/// <summary>
/// `cluster`: the rekey fan-out of --count CPEs served by one standalone controller, then by three replicas in cluster
/// mode (three etcd members on loopback, replica r on 127.0.0.{r+1}, the same port; the CPEs in three equal blocks, one
/// generator per replica). Each rekey removes a spare member from every replica's config and SIGHUPs them all: only the
/// key leader (which serves the spares) rekeys, the others read the new SA from etcd (every second) and push it to their
/// own CPEs. Reports the RSS of each replica per CPE it serves, and two failovers: the key leader killed (SIGKILL) while
/// its fan-out runs, then the next leader killed 3 s before its timer rekey is due; each timed from the kill to the last
/// CPE of the surviving replicas holding the next SA.
/// </summary>
internal static class ClusterFanOutScenario
{
    private const string Psk = "mpsa-bench-psk-0123456789";
    private const string Prefix = "/mpsa-bench";

    public static int Run(BenchArgs a)
    {
        var o = new Options(
            a.String("controller"), a.String("dir"), a.Int("port", 45500), a.Int("count", 1000), a.Int("concurrency", 64),
            a.Int("rekeys", 3), a.Int("lease-ttl", 10), a.String("etcd", "/usr/bin/etcd"), a.String("log-level", "info"),
            a.String("spares-on", "leader"));
        var plan = HandshakeScenario.Plan(a, new IPEndPoint(IPAddress.Loopback, o.Port)) with { WaitForMpsa = true };
        a.EnsureAllRead();
        Directory.CreateDirectory(o.Dir);
        int failures = Measure(o, plan, replicas: 1);
        failures += Measure(o, plan, replicas: 3);
        return failures == 0 ? 0 : 1;
    }

    private static int Measure(Options o, LoadPlan plan, int replicas)
    {
        bool cluster = replicas > 1;
        string dir = Path.Combine(o.Dir, cluster ? $"cluster-{replicas}" : "standalone");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(dir);
        var timeout = TimeSpan.FromSeconds(Math.Max(60, o.Count / 50));
        // The spares: one per measured rekey, one more for the rekey during which the key leader is killed.
        int spares = o.Rekeys + (cluster ? 1 : 0);
        using var etcd = cluster ? new EtcdTrio(o.Etcd, Path.Combine(dir, "etcd")) : null;
        string tail = "";
        if (etcd is not null)
        {
            string key = Path.Combine(dir, "state.key");
            File.WriteAllText(key, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            tail = $"state_key = {key}\n\n[cluster]\netcd = {etcd.Endpoints}\nname = {{name}}\nlease_ttl = {o.LeaseTtl}s\nprefix = {Prefix}\n";
        }
        var specs = Enumerable.Range(0, replicas).Select(r => new ControllerConfigSpec(o.Count, $"{Address(r)}:{o.Port}", Mpsa.Ike.Crypto.SuiteNames.Name(plan.Ike),
            Psk, plan.IdentityFormat, Path.Combine(dir, $"r{r}.sock"))
        {
            LogLevel = o.LogLevel,
            ControllerTail = tail.Replace("{name}", $"r{r}", StringComparison.Ordinal),
        }).ToArray();
        string Config(int r) => Path.Combine(dir, $"r{r}.conf");
        void WriteConfigs(int sparesLeft, Func<ControllerConfigSpec, ControllerConfigSpec>? change = null)
        {
            for (int r = 0; r < replicas; r++)
            {
                ControllerConfigWriter.Write(Config(r), change is null ? specs[r] : change(specs[r]), sparesLeft);
            }
        }
        WriteConfigs(spares);

        var controllers = new ControllerProcess?[replicas];
        var gens = new LoadGenerator?[replicas];
        LoadGenerator? spareGen = null;
        int failures = 0;
        try
        {
            // r0 first: it takes the leader key and stores the group's SA, which the others wait for before serving.
            for (int r = 0; r < replicas; r++)
            {
                controllers[r] = new ControllerProcess(o.Controller, Config(r), Path.Combine(dir, $"r{r}.log"));
            }
            int leader = etcd is null ? 0 : etcd.Leader() ?? throw new InvalidOperationException("no key leader in etcd");
            // CPE i is served by replica i * replicas / count: equal blocks of identities cpe{i}.bench.
            int[] first = Enumerable.Range(0, replicas + 1).Select(r => (int)((long)o.Count * r / replicas)).ToArray();
            for (int r = 0; r < replicas; r++)
            {
                gens[r] = new LoadGenerator(PlanFor(plan, r, o.Port), first[r + 1] - first[r], 2, IPAddress.Loopback, firstIndex: first[r]);
            }
            // The key leader rekeys whichever replica the removed member was connected to: the spares connect to the
            // leader (--spares-on follower: to another replica, so the removal is seen there first).
            int sparesOn = o.SparesOn == "follower" ? (leader + 1) % replicas : leader;
            spareGen = new LoadGenerator(PlanFor(plan, sparesOn, o.Port) with { IdentityFormat = "spare{i}.bench" }, spares, 1, IPAddress.Loopback);
            spareGen.Connect(spares, timeout);
            Thread.Sleep(1000);
            long[] rss0 = controllers.Select(c => c!.RssKb()).ToArray();
            int perGenerator = Math.Max(1, o.Concurrency / replicas);
            long connectStart = Stopwatch.GetTimestamp();
            Task.WaitAll(gens.Select(g => Task.Run(() => g!.Connect(perGenerator, timeout))).ToArray());
            double connectSeconds = Stopwatch.GetElapsedTime(connectStart).TotalSeconds;
            Thread.Sleep(2000);
            long[] rssN = controllers.Select(c => c!.RssKb()).ToArray();
            int ok = gens.Sum(g => g!.Completed), failed = gens.Sum(g => g!.Failed);
            failures += failed;
            Print($"RESULT cluster_connect replicas={replicas} count={o.Count} ok={ok} failed={failed} concurrency={perGenerator * replicas} seconds={connectSeconds:F2} rate={ok / connectSeconds:F0} {LatencySummary.Format(gens.SelectMany(g => g!.Latencies()).ToList())}");
            for (int r = 0; r < replicas; r++)
            {
                int n = gens[r]!.Count;
                Print($"RESULT cluster_rss replicas={replicas} replica=r{r} leader={(cluster && r == leader ? "yes" : "no")} cpes={n} rss0_kb={rss0[r]} rssN_kb={rssN[r]} per_cpe_kb={(rssN[r] - rss0[r]) / (double)n:F2}");
            }
            Print($"RESULT cluster_rss replicas={replicas} replica=all leader=- cpes={o.Count} rss0_kb={rss0.Sum()} rssN_kb={rssN.Sum()} per_cpe_kb={(rssN.Sum() - rss0.Sum()) / (double)o.Count:F2}");

            for (int round = 1; round <= o.Rekeys; round++)
            {
                foreach (var g in gens)
                {
                    g!.ResetRekey();
                }
                var cpu0 = controllers.Select(c => c!.CpuTime()).ToArray();
                WriteConfigs(spares - round);
                long start = SignalAll(controllers, "HUP");
                bool all = LoadGenerator.WaitUntil(() => gens.Sum(g => g!.Rekeyed) >= o.Count, timeout);
                double last = all ? Ms(gens.Max(g => g!.LastRekeyAt) - start) : double.NaN;
                // The fan-out's end as each replica logs it (the spares' replica also serves the spares not removed yet).
                var logged = Enumerable.Range(0, replicas)
                    .Select(r => controllers[r]!.RekeyCompletedMs(gens[r]!.Count + (r == sparesOn ? spares - round : 0), TimeSpan.FromSeconds(10))).ToArray();
                double cpuMs = controllers.Select((c, r) => (c!.CpuTime() - cpu0[r]).TotalMilliseconds).Sum();
                var delays = gens.SelectMany(g => g!.RekeyDelays(start)).ToList();
                delays.Sort();
                int rekeyed = gens.Sum(g => g!.Rekeyed);
                failures += rekeyed < o.Count ? 1 : 0;
                Print($"RESULT cluster_rekey replicas={replicas} count={o.Count} round={round} members_rekeyed={rekeyed} signal_to_last_put_ms={last:F0} put_p50_ms={LatencySummary.Percentile(delays, 50):F0} put_p90_ms={LatencySummary.Percentile(delays, 90):F0} put_p99_ms={LatencySummary.Percentile(delays, 99):F0} leader_logged_ms={logged[leader]?.ToString(CultureInfo.InvariantCulture) ?? "none"} controllers_cpu_ms={cpuMs:F0} cpu_us_per_cpe={cpuMs * 1000 / o.Count:F1}");
            }
            if (etcd is not null)
            {
                failures += Failover(o, etcd, controllers, gens, leader, spares, WriteConfigs, timeout);
            }
        }
        finally
        {
            spareGen?.Dispose();
            foreach (var g in gens)
            {
                g?.Dispose();
            }
            foreach (var c in controllers)
            {
                c?.Dispose();
            }
        }
        return failures;
    }

    /// <summary>Two kills of the key leader: during the fan-out of a member removal's rekey (the SA is in etcd already:
    /// the followers push it), then the next leader 3 s before its timer rekey (the survivor makes the SA once the dead
    /// leader's lease has ended and it took the key: lease_ttl bounds that).</summary>
    private static int Failover(Options o, EtcdTrio etcd, ControllerProcess?[] controllers, LoadGenerator?[] gens, int leader, int spares,
        Action<int, Func<ControllerConfigSpec, ControllerConfigSpec>?> writeConfigs, TimeSpan timeout)
    {
        int failures = 0;
        // Short timers for the SAs made from this reload on: the next timer rekey is due `due` after it.
        var due = TimeSpan.FromSeconds(10 + (4 * o.LeaseTtl));
        var margin = TimeSpan.FromSeconds(40);
        string Duration(TimeSpan t) => ((int)t.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        foreach (var g in gens)
        {
            g!.ResetRekey();
        }
        writeConfigs(spares - o.Rekeys - 1, s => s with { Lifetime = Duration(due + margin), RekeyMargin = Duration(margin), Roll1 = "5s", Roll2 = "10s" });
        long trigger = SignalAll(controllers, "HUP");
        // The leader's own CPEs hear of the SA first (it stores it in etcd before any member hears of it): kill it then.
        LoadGenerator.WaitUntil(() => gens[leader]!.Rekeyed > 0, timeout);
        long kill = Stopwatch.GetTimestamp();
        controllers[leader]!.Signal("KILL");
        var survivors = Enumerable.Range(0, controllers.Length).Where(r => r != leader).ToList();
        var next = WaitForLeader(etcd, survivors, kill, TimeSpan.FromSeconds(4 * o.LeaseTtl + 10));
        failures += Report("during_fanout", o, gens, survivors, kill, trigger, leader, next, timeout);
        if (next is not { } nextLeader)
        {
            return failures + 1;
        }

        // The next leader: killed 3 s before the rekey of the SA made at the trigger is due.
        var last = survivors.Where(r => r != nextLeader.Replica).ToList();
        foreach (int r in last)
        {
            gens[r]!.ResetRekey();
        }
        var wait = due - TimeSpan.FromSeconds(3) - Stopwatch.GetElapsedTime(trigger);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
        kill = Stopwatch.GetTimestamp();
        bool early = last.Sum(r => gens[r]!.Rekeyed) > 0;
        controllers[nextLeader.Replica]!.Signal("KILL");
        var third = WaitForLeader(etcd, last, kill, TimeSpan.FromSeconds(4 * o.LeaseTtl + 10));
        failures += Report(early ? "before_rekey_came_too_late" : "before_rekey", o, gens, last, kill, trigger, nextLeader.Replica, third, timeout);
        return failures;
    }

    private static int Report(string kind, Options o, LoadGenerator?[] gens, List<int> survivors, long kill, long trigger, int killed,
        (int Replica, double Ms)? next, TimeSpan timeout)
    {
        int cpes = survivors.Sum(r => gens[r]!.Count);
        bool all = LoadGenerator.WaitUntil(() => survivors.Sum(r => gens[r]!.Rekeyed) >= cpes, timeout + TimeSpan.FromSeconds(4 * o.LeaseTtl));
        double last = all ? Ms(survivors.Max(r => gens[r]!.LastRekeyAt) - kill) : double.NaN;
        var delays = survivors.SelectMany(r => gens[r]!.RekeyDelays(kill)).ToList();
        delays.Sort();
        Print($"RESULT cluster_failover kind={kind} count={o.Count} lease_ttl_s={o.LeaseTtl} killed=r{killed} trigger_to_kill_ms={Ms(kill - trigger):F0} new_leader={(next is { } n ? "r" + n.Replica.ToString(CultureInfo.InvariantCulture) : "none")} kill_to_new_leader_ms={(next is { } m ? m.Ms : double.NaN):F0} survivor_cpes={cpes} rekeyed={survivors.Sum(r => gens[r]!.Rekeyed)} kill_to_last_put_ms={last:F0} put_p50_ms={LatencySummary.Percentile(delays, 50):F0} put_p99_ms={LatencySummary.Percentile(delays, 99):F0}");
        return all ? 0 : 1;
    }

    /// <summary>Polls etcd's leader key until one of <paramref name="candidates"/> holds it: the replica and the time
    /// since <paramref name="since"/> (a Stopwatch timestamp), or null after <paramref name="timeout"/>.</summary>
    private static (int Replica, double Ms)? WaitForLeader(EtcdTrio etcd, List<int> candidates, long since, TimeSpan timeout)
    {
        int? found = null;
        LoadGenerator.WaitUntil(() =>
        {
            found = etcd.Leader();
            if (found is { } f && candidates.Contains(f))
            {
                return true;
            }
            Thread.Sleep(100);
            return false;
        }, timeout);
        return found is { } r && candidates.Contains(r) ? (r, Ms(Stopwatch.GetTimestamp() - since)) : null;
    }

    /// <summary>Signals every live controller with one kill(1) (so they get it at about the same moment); the Stopwatch
    /// timestamp just before.</summary>
    private static long SignalAll(ControllerProcess?[] controllers, string signal)
    {
        long start = Stopwatch.GetTimestamp();
        var live = controllers.Where(c => c is not null && !c.HasExited).Select(c => c!.Pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start("kill", ["-" + signal, .. live]);
        kill.WaitForExit();
        return start;
    }

    private static LoadPlan PlanFor(LoadPlan plan, int replica, int port)
    {
        var address = IPAddress.Parse(Address(replica));
        return plan with { Target = new IPEndPoint(address, port), RemoteSelectors = [TrafficSelector.ForHost(address)] };
    }

    private static string Address(int replica) => $"127.0.0.{replica + 1}";

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));

    private sealed record Options(string Controller, string Dir, int Port, int Count, int Concurrency, int Rekeys, int LeaseTtl, string Etcd, string LogLevel, string SparesOn);
}

/// <summary>Three etcd members on 127.0.0.1 (free ports, data under <c>dir</c>), as the cluster tests start them; the
/// leader key of the replicas read with etcdctl.</summary>
internal sealed class EtcdTrio : IDisposable
{
    private readonly List<Process> _members = [];
    private readonly List<StreamWriter> _logs = [];
    private readonly string _ctl;

    public EtcdTrio(string etcd, string dir)
    {
        _ctl = Path.Combine(Path.GetDirectoryName(etcd)!, "etcdctl");
        var ports = Enumerable.Range(0, 3).Select(_ => (Client: FreeTcpPort(), Peer: FreeTcpPort())).ToArray();
        Endpoints = string.Join(", ", ports.Select(p => $"http://127.0.0.1:{p.Client}"));
        string cluster = string.Join(",", ports.Select((p, n) => $"e{n}=http://127.0.0.1:{p.Peer}"));
        for (int i = 0; i < ports.Length; i++)
        {
            var info = new ProcessStartInfo(etcd) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string arg in (string[])[
                "--name", $"e{i}", "--data-dir", Path.Combine(dir, $"e{i}"),
                "--listen-client-urls", $"http://127.0.0.1:{ports[i].Client}", "--advertise-client-urls", $"http://127.0.0.1:{ports[i].Client}",
                "--listen-peer-urls", $"http://127.0.0.1:{ports[i].Peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{ports[i].Peer}",
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", "mpsa-bench",
                "--heartbeat-interval", "50", "--election-timeout", "500"])
            {
                info.ArgumentList.Add(arg);
            }
            Directory.CreateDirectory(dir);
            var log = new StreamWriter(Path.Combine(dir, $"e{i}.log")) { AutoFlush = true };
            var p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {etcd}");
            p.OutputDataReceived += (_, e) => Append(log, e.Data);
            p.ErrorDataReceived += (_, e) => Append(log, e.Data);
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            _members.Add(p);
            _logs.Add(log);
        }
        if (!LoadGenerator.WaitUntil(() => Ctl("endpoint", "health").Code == 0, TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException($"etcd not healthy after 30 s (logs in {dir})");
        }
    }

    /// <summary>The client URLs, as the controller's <c>etcd</c> key takes them.</summary>
    public string Endpoints { get; }

    /// <summary>The replica holding the leader key (its name is r + index), or null.</summary>
    public int? Leader()
    {
        var (code, output) = Ctl("get", "--print-value-only", "/mpsa-bench/leader");
        string name = output.Trim();
        return code == 0 && name.StartsWith('r') && int.TryParse(name.AsSpan(1), CultureInfo.InvariantCulture, out int r) ? r : null;
    }

    public (int Code, string Output) Ctl(params string[] args)
    {
        var info = new ProcessStartInfo(_ctl) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment["ETCDCTL_API"] = "3";
        info.ArgumentList.Add("--endpoints=" + Endpoints.Replace(" ", "", StringComparison.Ordinal));
        info.ArgumentList.Add("--command-timeout=2s");
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {_ctl}");
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + error.Result);
    }

    public void Dispose()
    {
        foreach (var p in _members)
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
            p.WaitForExit();   // and for the last lines of its output
            p.Dispose();
        }
        foreach (var log in _logs)
        {
            log.Dispose();
        }
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static int FreeTcpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
