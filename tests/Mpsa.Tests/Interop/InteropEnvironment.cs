using System.Diagnostics;

namespace Mpsa.Tests.Interop;

/// <summary>
/// Where the repository, the script and the built daemons are, and whether this machine can run the interop tests
/// (root, strongSwan's Debian packages, built binaries). The tests fail with <see cref="Problem"/> when it cannot:
/// CI runs them as root after `make deps` installed <see cref="Packages"/>.
/// </summary>
internal static class InteropEnvironment
{
    /// <summary>The Debian packages the interop tests need (also IO_PACKAGES in tests/interop/interop-lib.sh).</summary>
    public static readonly string[] Packages =
    [
        "strongswan-charon", "strongswan-swanctl", "libstrongswan-standard-plugins",
        "libstrongswan-extra-plugins", "libcharon-extra-plugins", "iproute2", "util-linux", "mount",
    ];

    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);

    /// <summary>The directory holding CpeAgent.sln, found by walking up from the test assembly's directory.</summary>
    public static string RepoRoot => s_repoRoot.Value;

    public static string Script => Path.Combine(RepoRoot, "tests", "interop", "run-interop.sh");

    /// <summary>The build configuration of this test assembly (…/bin/&lt;Configuration&gt;/net10.0/), used for the daemons too.</summary>
    public static string Configuration
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            return dir.Parent is { Parent.Name: "bin" } config ? config.Name : "Release";
        }
    }

    public static string AgentBinary => Path.Combine(RepoRoot, "agent", "Mpsa.Agent", "bin", Configuration, "net10.0", "mpsa-agent");

    public static string ControllerBinary => Path.Combine(RepoRoot, "controller", "Mpsa.Controller", "bin", Configuration, "net10.0", "mpsa-controller");

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "CpeAgent.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException($"no CpeAgent.sln above {TestContext.CurrentContext.TestDirectory}");
    }

    /// <summary>Null when the interop tests can run here, else what is missing and how to get it.</summary>
    public static string? Problem(bool needAgent, bool needController)
    {
        var problems = new List<string>();
        if (!IsRoot())
        {
            problems.Add("the interop tests must run as root (they create network namespaces and run charon); run `sudo make test` or the CI job");
        }
        string[] missing = s_missingPackages.Value;
        if (missing.Length > 0)
        {
            problems.Add($"missing Debian packages: {string.Join(' ', missing)} (`make deps` installs them: APT_PACKAGES in the Makefile; or apt-get install {string.Join(' ', Packages)})");
        }
        if (!File.Exists(Script))
        {
            problems.Add($"no {Script}");
        }
        if (needAgent && !File.Exists(AgentBinary))
        {
            problems.Add($"no built mpsa-agent at {AgentBinary} (dotnet build CpeAgent.sln -c {Configuration})");
        }
        if (needController && !File.Exists(ControllerBinary))
        {
            problems.Add($"no built mpsa-controller at {ControllerBinary} (dotnet build CpeAgent.sln -c {Configuration})");
        }
        return problems.Count == 0 ? null : string.Join("\n", problems);
    }

    /// <summary>Fails the test (not ignores it) when the machine cannot run the interop tests.</summary>
    public static void Require(bool needAgent, bool needController)
    {
        string? problem = Problem(needAgent, needController);
        if (problem is not null)
        {
            Assert.Fail("interop test cannot run here:\n" + problem);
        }
    }

    private static bool IsRoot()
    {
        // "Uid:\treal\teffective\tsaved\tfs"
        string? uid = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uid is not null && uid.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, "0", ..];
    }

    private static readonly Lazy<string[]> s_missingPackages = new(() =>
    {
        // one dpkg-query for all; a package it does not know is reported on stderr and missing from the list
        var (_, output) = Exec("dpkg-query", ["-W", "-f=${Package} ${Status}\n", .. Packages]);
        var installed = output.Split('\n')
            .Where(l => l.Contains("install ok installed", StringComparison.Ordinal))
            .Select(l => l.Split(' ', 2)[0].Split(':')[0])
            .ToHashSet(StringComparer.Ordinal);
        return [.. Packages.Where(p => !installed.Contains(p))];
    });

    public static IEnumerable<string> NetnsList()
    {
        var (code, output) = Exec("ip", "netns", "list");
        return code == 0
            ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)[0])
            : [];
    }

    /// <summary>Runs a short command, returns its exit code and stdout+stderr (-1 if it could not start).</summary>
    public static (int Code, string Output) Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                p.Kill(entireProcessTree: true);
            }
            p.WaitForExit();
            return (p.ExitCode, stdout + stderr.GetAwaiter().GetResult());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
