using System.Diagnostics;

namespace Mpsa.Tests.Interop;

/// <summary>Which charon a fixture runs against.</summary>
public enum Charon
{
    /// <summary>Debian 12's strongSwan 5.9 (the packages `make deps` installs).</summary>
    Debian,

    /// <summary>strongSwan 6 with its ml plugin, built once into the tools cache by packaging/build/strongswan6.sh.</summary>
    StrongSwan6,
}

/// <summary>strongSwan 6, built on first use by packaging/build/strongswan6.sh (once per cache, reused after).</summary>
internal static class CharonBuild
{
    private static readonly Lazy<(string? Prefix, string Problem, bool Missing)> s_strongSwan6 = new(BuildStrongSwan6);

    /// <summary>The environment run-interop.sh needs for <paramref name="charon"/>; ignores the fixture when there is no
    /// strongSwan 6 source here (script exit 3), fails it when the build broke.</summary>
    public static IReadOnlyDictionary<string, string>? Environment(Charon charon)
    {
        if (charon == Charon.Debian)
        {
            return null;
        }
        var (prefix, problem, missing) = s_strongSwan6.Value;
        if (prefix is null && missing)
        {
            Assert.Ignore($"no strongSwan 6 here: {problem}");
        }
        Assert.That(prefix, Is.Not.Null, $"packaging/build/strongswan6.sh failed:\n{problem}");
        return new Dictionary<string, string> { ["INTEROP_STRONGSWAN6"] = prefix! };
    }

    private static (string?, string, bool) BuildStrongSwan6()
    {
        string script = Path.Combine(InteropEnvironment.RepoRoot, "packaging", "build", "strongswan6.sh");
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string prefix = p.StandardOutput.ReadToEnd().Trim();
        if (!p.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            p.Kill(entireProcessTree: true);
            return (null, "packaging/build/strongswan6.sh took more than 15 minutes", false);
        }
        string why = stderr.GetAwaiter().GetResult().Trim();
        return p.ExitCode == 0 ? (prefix, "", false) : (null, why, p.ExitCode == 3);
    }
}
