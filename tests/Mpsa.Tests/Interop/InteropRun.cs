using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mpsa.Tests.Interop;

/// <summary>
/// One run of tests/interop/run-interop.sh (scenario, suite) through /bin/bash, with its evidence directory.
/// The script creates and removes its namespaces and processes itself (EXIT trap); <see cref="Dispose"/> is the
/// second line of defence (run right after the script, and again by the tests' [TearDown]) if the script hung or
/// was killed: <see cref="Execute"/> ends the script, kills the daemons and charons the
/// script recorded (by pid, after checking the pid still runs that program), deletes the namespaces with this run's
/// prefix and the script's work directory.
/// </summary>
internal sealed class InteropRun
{
    /// <summary>Upper bound for one script run; each wait inside the script is bounded by INTEROP_TIMEOUT (20 s).</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);
    private static int s_counter;

    private InteropRun(string scenario, string suite, string evidenceDir, string netnsPrefix)
    {
        Scenario = scenario;
        Suite = suite;
        EvidenceDir = evidenceDir;
        NetnsPrefix = netnsPrefix;
    }

    public string Scenario { get; }
    public string Suite { get; }
    public string EvidenceDir { get; }
    public string NetnsPrefix { get; }
    public int ExitCode { get; private set; } = -1;
    public bool TimedOut { get; private set; }
    public string Output { get; private set; } = "";
    public TimeSpan Elapsed { get; private set; }
    public Evidence Evidence => new(EvidenceDir);

    /// <summary>Set when a test using this run failed: its evidence directory is kept.</summary>
    public bool KeepEvidence { get; set; }

    private IReadOnlyDictionary<string, string>? _environment;

    /// <summary>Runs the script to its end (bounded) and returns the run; never throws for a failed outcome.</summary>
    public static InteropRun Start(string scenario, string suite, IReadOnlyDictionary<string, string>? environment = null)
    {
        int n = Interlocked.Increment(ref s_counter);
        string root = Path.Combine(TestContext.CurrentContext.WorkDirectory, "interop-evidence");
        if (n == 1 && Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true); // what earlier test sessions kept
        }
        string id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId % 100000}x{n}");
        // kept after a failure (its path is printed), deleted after a pass
        string evidence = Path.Combine(root, $"{id}-{scenario}-{suite}");
        if (Directory.Exists(evidence))
        {
            Directory.Delete(evidence, recursive: true);
        }
        Directory.CreateDirectory(evidence);
        var run = new InteropRun(scenario, suite, evidence, $"mpsa-it{id}") { _environment = environment };
        try
        {
            run.Execute();
        }
        finally
        {
            run.CleanUp();
        }
        return run;
    }

    private void Execute()
    {
        var psi = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(InteropEnvironment.Script);
        psi.ArgumentList.Add(Scenario);
        psi.ArgumentList.Add(Suite);
        psi.ArgumentList.Add(EvidenceDir);
        psi.Environment["INTEROP_NETNS_PREFIX"] = NetnsPrefix;
        psi.Environment["MPSA_REPO"] = InteropEnvironment.RepoRoot;
        psi.Environment["MPSA_AGENT"] = InteropEnvironment.AgentBinary;
        psi.Environment["MPSA_CONTROLLER"] = InteropEnvironment.ControllerBinary;
        foreach (var (name, value) in _environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        var output = new StringBuilder();
        var sw = Stopwatch.StartNew();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(ScriptTimeout))
        {
            TimedOut = true;
            // SIGTERM first: the script's trap stops the daemons and charons and removes the namespaces.
            Signal(p.Id, "TERM");
            if (!p.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        p.WaitForExit();
        Elapsed = sw.Elapsed;
        ExitCode = p.HasExited ? p.ExitCode : -1;
        lock (output)
        {
            Output = output.ToString();
        }
    }

    /// <summary>Everything the run left, for a failure message: result.txt, script output, logs, status, swanctl.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"=== interop run: {Scenario} {Suite}: exit {ExitCode}{(TimedOut ? " (timed out, terminated)" : "")}, {Elapsed.TotalSeconds:F1} s");
        sb.AppendLine(CultureInfo.InvariantCulture, $"=== evidence directory: {EvidenceDir}");
        sb.AppendLine("=== script output:");
        sb.AppendLine(Output.TrimEnd());
        sb.Append(Evidence.Describe());
        return sb.ToString();
    }

    /// <summary>Idempotent: kills recorded processes still running, deletes this run's namespaces and work directory.</summary>
    public void CleanUp()
    {
        // Processes the script started and recorded (pids), in case its trap did not run.
        string pids = Path.Combine(EvidenceDir, "pids");
        if (File.Exists(pids))
        {
            foreach (string line in File.ReadAllLines(pids))
            {
                string[] f = line.Split(' ', 2, StringSplitOptions.TrimEntries);
                if (f.Length == 2 && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && RunsProgram(pid, f[1]))
                {
                    Signal(pid, "KILL");
                }
            }
        }
        foreach (string ns in InteropEnvironment.NetnsList().Where(n => n.StartsWith(NetnsPrefix + "-", StringComparison.Ordinal)))
        {
            InteropEnvironment.Exec("ip", "netns", "del", ns);
        }
        if (Evidence.Result.TryGetValue("workdir", out string? work) && work.StartsWith("/tmp/mpsa-sw.", StringComparison.Ordinal) && Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Deletes the evidence directory (after a passing test; a failing one keeps it and prints its path).</summary>
    public void DeleteEvidence()
    {
        if (Directory.Exists(EvidenceDir))
        {
            Directory.Delete(EvidenceDir, recursive: true);
        }
    }

    private static bool RunsProgram(int pid, string program)
    {
        try
        {
            string cmdline = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return cmdline.Contains(program, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    // bash's builtin kill: no dependency on procps
    private static void Signal(int pid, string signal) =>
        InteropEnvironment.Exec("/bin/bash", "-c", $"kill -{signal} {pid.ToString(CultureInfo.InvariantCulture)}");
}
