namespace Mpsa.Hosting;

/// <summary>What the two daemons' command lines do alike: load a config file with every problem on stderr, and
/// pass a command to a running daemon over its control socket.</summary>
internal static class DaemonCli
{
    public const int ExitUsage = 64;
    public const int ExitUnavailable = 69;
    public const int ExitConfig = 78;

    /// <summary>`help`, or `--help` / `-h` anywhere: the usage goes to stdout and the exit code is 0.</summary>
    public static bool WantsHelp(string[] args) =>
        args.Length > 0 && (args[0] == "help" || Array.Exists(args, a => a is "--help" or "-h"));

    /// <summary>The version both daemons were built as (MSBuild's <c>Version</c>).</summary>
    public static string Version => BuildVersion.Value;

    /// <summary>
    /// Loads the file; prints every problem as `FILE:LINE: message` on stderr unless quiet, and the warnings when there
    /// is no problem (a broken file gets only what stops it).
    /// </summary>
    public static bool TryLoad<T>(string path, Func<ConfigReader, Action<ConfigError>, T> read, out T settings, bool quiet = false)
        where T : class
    {
        bool ok = TryLoad(path, read, out settings, out var warnings, quiet);
        if (ok && !quiet)
        {
            foreach (var w in warnings)
            {
                StandardStreams.Error.WriteLine(w.ToString());
            }
        }
        return ok;
    }

    /// <summary>
    /// Loads the file for `run`: prints every problem on stderr unless quiet, and hands the warnings back for the
    /// daemon's log, where they get its format (a journal priority under systemd) like every other line.
    /// </summary>
    public static bool TryLoad<T>(string path, Func<ConfigReader, Action<ConfigError>, T> read, out T settings, out List<ConfigError> warnings,
        bool quiet = false)
        where T : class
    {
        var found = new List<ConfigError>();
        bool ok = ConfigReader.TryLoad(path, r => read(r, found.Add), out var loaded, out var errors);
        if (!ok && !quiet)
        {
            string prefix = JournalErrorPrefix();
            foreach (var e in errors)
            {
                StandardStreams.Error.WriteLine(prefix + e.ToString());
            }
        }
        settings = loaded!;
        warnings = found;
        return ok;
    }

    /// <summary>
    /// <c>&lt;3&gt;</c> when stderr is systemd's journal stream (<c>JOURNAL_STREAM=DEV:INODE</c> names it; the inode is
    /// what <c>/proc/self/fd/2</c> links to), so a line written before the daemon's logger exists, a config error, is
    /// filed as an error and not as info; empty elsewhere (a terminal, procd, a pipe of one's own).
    /// </summary>
    public static string JournalErrorPrefix()
    {
        string? stream = Environment.GetEnvironmentVariable("JOURNAL_STREAM");
        int colon = stream?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon < 0)
        {
            return "";
        }
        try
        {
            string? target = new FileInfo("/proc/self/fd/2").LinkTarget;
            return target is not null && target.EndsWith($":[{stream![(colon + 1)..]}]", StringComparison.Ordinal) ? "<3>" : "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>`status [--json]`, `reload`, ...: asks the running daemon; exit 69 when it does not answer.</summary>
    public static async Task<int> SendAsync(string daemon, string socket, string command)
    {
        try
        {
            StandardStreams.Out.Write(await ControlClient.SendAsync(socket, command, daemon).ConfigureAwait(false));
            return 0;
        }
        catch (ControlClientException e)
        {
            await StandardStreams.Error.WriteLineAsync($"{daemon}: {e.Message}").ConfigureAwait(false);
            return ExitUnavailable;
        }
    }
}
