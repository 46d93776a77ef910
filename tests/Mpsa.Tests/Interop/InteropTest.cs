using NUnit.Framework.Interfaces;

namespace Mpsa.Tests.Interop;

/// <summary>
/// Base of the strongSwan interop tests: runs tests/interop/run-interop.sh, and in [TearDown] makes sure nothing is
/// left (namespaces, processes, work directory) and prints all the evidence of a failed test (the evidence directory
/// is kept then, and deleted after a pass). Each run has namespaces, charon instances (private /run) and a work
/// directory of its own, so two fixtures run at once (tests within one fixture one after the other): most of their
/// time is waiting for charon's timers.
/// </summary>
[Category("Interop")]
[Parallelizable(ParallelScope.Self)]
public abstract class InteropTest(Charon charon = Charon.Debian)
{
    /// <summary>The charon this fixture runs against (fixtures that take one run once for each).</summary>
    protected Charon Charon { get; } = charon;

    private IReadOnlyDictionary<string, string>? _charonEnvironment;

    [OneTimeSetUp]
    public void PrepareCharon()
    {
        if (Charon != Charon.Debian && InteropEnvironment.Problem(needAgent: true, needController: true) is { } problem)
        {
            Assert.Ignore(problem);
        }
        _charonEnvironment = CharonBuild.Environment(Charon);
    }

    /// <summary>The IKE suites of the core (swanctl syntax) with the ESP proposal used beside each.</summary>
    public static readonly IReadOnlyDictionary<string, string> CoreSuites = new Dictionary<string, string>
    {
        ["aes128-sha256-prfsha256-x25519"] = "aes128-sha256",
        ["aes256-sha1-prfsha1-modp2048"] = "aes256-sha1",
        ["aes128gcm16-prfsha256-ecp256"] = "aes128gcm16",
        ["aes256gcm16-prfsha384-x25519"] = "aes256gcm16",
        ["chacha20poly1305-prfsha256-x25519"] = "chacha20poly1305",
        ["aes256-sha256-prfsha512-ecp256"] = "aes256-sha256",
    };

    /// <summary>How swanctl --list-sas names each negotiated proposal of the core (strongSwan 5.9.8).</summary>
    public static readonly IReadOnlyDictionary<string, string> CharonNames = new Dictionary<string, string>
    {
        ["aes128-sha256-prfsha256-x25519"] = "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519",
        ["aes256-sha1-prfsha1-modp2048"] = "AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048",
        ["aes128gcm16-prfsha256-ecp256"] = "AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256",
        ["aes256gcm16-prfsha384-x25519"] = "AES_GCM_16-256/PRF_HMAC_SHA2_384/CURVE_25519",
        ["chacha20poly1305-prfsha256-x25519"] = "CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519",
        ["aes256-sha256-prfsha512-ecp256"] = "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_512/ECP_256",
        ["aes128-sha256"] = "AES_CBC-128/HMAC_SHA2_256_128",
        ["aes256-sha1"] = "AES_CBC-256/HMAC_SHA1_96",
        ["aes128gcm16"] = "AES_GCM_16-128",
        ["aes256gcm16"] = "AES_GCM_16-256",
        ["chacha20poly1305"] = "CHACHA20_POLY1305",
        ["aes256-sha256"] = "AES_CBC-256/HMAC_SHA2_256_128",
    };

    public const string DefaultSuite = "chacha20poly1305-prfsha256-x25519";
    public const string CpeIdentity = "cpe1.example.net";
    public const string HubIdentity = "controller.example.net";

    public static IEnumerable<string> Suites() => CoreSuites.Keys;

    // One script run per (scenario, suite) for the whole fixture: tests that check different things of the same
    // exchange share it (NUnit keeps one fixture instance for all its tests).
    private readonly Dictionary<string, InteropRun> _runs = [];
    private readonly List<InteropRun> _usedByTest = [];

    /// <summary>
    /// The run of the script for (scenario, suite), made on first use: namespaces and processes are gone when it
    /// returns (the script's trap, then <see cref="InteropRun.CleanUp"/> in a finally).
    /// </summary>
    private protected InteropRun RunOnce(string scenario, string suite, IReadOnlyDictionary<string, string>? environment = null)
    {
        string key = scenario + " " + suite;
        if (!_runs.TryGetValue(key, out var run))
        {
            var merged = new Dictionary<string, string>(_charonEnvironment ?? new Dictionary<string, string>());
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                merged[name] = value;
            }
            run = InteropRun.Start(scenario, suite, merged);
            _runs[key] = run;
            TestContext.Out.WriteLine($"interop {scenario} {suite}: exit {run.ExitCode}, {run.Elapsed.TotalSeconds:F1} s, outcome {run.Evidence.Outcome}");
        }
        _usedByTest.Add(run);
        return run;
    }

    [TearDown]
    public void CleanUpAndReport()
    {
        bool passed = TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Passed;
        foreach (var run in _usedByTest)
        {
            try
            {
                run.CleanUp();
            }
            finally
            {
                if (!passed)
                {
                    run.KeepEvidence = true;
                    TestContext.Out.WriteLine(run.Describe());
                }
            }
        }
        _usedByTest.Clear();
    }

    [OneTimeTearDown]
    public void DeleteEvidenceOfPassingRuns()
    {
        foreach (var run in _runs.Values)
        {
            run.CleanUp();
            if (!run.KeepEvidence)
            {
                run.DeleteEvidence();
            }
        }
        _runs.Clear();
    }

    /// <summary>The one IKE SA in <paramref name="sas"/> (fails with the listing otherwise).</summary>
    private protected static SwanctlSas.Ike SingleIkeSa(SwanctlSas sas, string who)
    {
        Assert.That(sas.IkeSas, Has.Count.EqualTo(1), $"{who}: expected exactly one IKE SA in swanctl --list-sas:\n{sas.Raw}");
        return sas.IkeSas[0];
    }

    /// <summary>Our daemon stopped by itself within 5 s of SIGTERM with exit status 0 (result.txt daemon_exit).</summary>
    private protected static void AssertStoppedCleanly(Evidence ev, string daemon)
    {
        Assert.That(ev.Result.TryGetValue("daemon_stop", out string? how) ? how : "by SIGTERM", Is.EqualTo("by SIGTERM"), $"mpsa-{daemon} stop");
        Assert.That(ev.Result.TryGetValue("daemon_exit", out string? code) ? code : "(not recorded)", Is.EqualTo("0"), $"mpsa-{daemon} exit status after SIGTERM");
    }

    /// <summary>No error or critical lines ("fail:", "crit:") in our daemon's log.</summary>
    private protected static void AssertNoErrorsLogged(Evidence ev, string daemon)
    {
        var errors = (ev.Text($"{daemon}.log") ?? "").Split('\n').Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, $"mpsa-{daemon} logged errors");
    }

    protected static string Str(System.Text.Json.JsonElement e, params string[] path)
    {
        foreach (string p in path)
        {
            if (e.ValueKind != System.Text.Json.JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return $"(no {string.Join('.', path)})";
            }
        }
        return e.ValueKind switch
        {
            System.Text.Json.JsonValueKind.String => e.GetString()!,
            System.Text.Json.JsonValueKind.Null => "(null)",
            _ => e.GetRawText(),
        };
    }
}
