using Mpsa.Ike.Certificates;
using Microsoft.Extensions.Logging;
using Mpsa.Agent.Config;
using Mpsa.Hosting;

namespace Mpsa.Agent;

/// <summary>`mpsa-agent run|check-config|status|reload|version`.</summary>
internal static class AgentCli
{
    private const int ExitUsage = DaemonCli.ExitUsage;
    private const int ExitConfig = DaemonCli.ExitConfig;

    private const string Usage = """
        usage: mpsa-agent run [--config FILE] [--dry-run]
               mpsa-agent check-config [--config FILE]
               mpsa-agent status [--json] [--config FILE | --socket PATH]
               mpsa-agent reload [--config FILE | --socket PATH]
               mpsa-agent self-check
               mpsa-agent version
               mpsa-agent help | --help | -h
        default config: /etc/mpsa/mpsa.conf
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (DaemonCli.WantsHelp(args))
        {
            StandardStreams.Out.WriteLine(Usage);
            return 0;
        }
        var line = CommandLine.Parse(args, new HashSet<string> { "--json", "--dry-run" }, new HashSet<string> { "--config", "--socket" }, out var error);
        if (line is null)
        {
            await StandardStreams.Error.WriteLineAsync($"mpsa-agent: {error}\n{Usage}").ConfigureAwait(false);
            return ExitUsage;
        }
        string path = line.Value("--config") ?? AgentConfigFile.DefaultPath;
        switch (line.Command)
        {
            case "version":
                StandardStreams.Out.WriteLine($"mpsa-agent {Version} ({Flavour})");
                return 0;
            case "self-check":
                return SelfCheck.Run(StandardStreams.Out);
            case "check-config":
                if (!TryLoad(path, out _))
                {
                    return ExitConfig;
                }
                StandardStreams.Out.WriteLine("configuration OK");
                return 0;
            case "run":
                if (!DaemonCli.TryLoad(path, AgentConfigFile.Read, out var settings, out var warnings))
                {
                    return ExitConfig;
                }
                using (var logs = LogSetup.Create(LogSetup.TryParseLevel(settings.LogLevel, out var level) ? level : LogLevel.Information))
                {
                    var log = logs.CreateLogger("mpsa-agent");
                    warnings.ForEach(log.ConfigWarning);
                    return await AgentDaemon.RunAsync(path, settings, line.Has("--dry-run"), logs).ConfigureAwait(false);
                }
            case "status" or "reload" or "check-liveness":
                string socket = line.Value("--socket") ?? (TryLoad(path, out var s, quiet: true) ? s.ControlSocket : "/run/mpsa/agent.sock");
                return await DaemonCli.SendAsync("mpsa-agent", socket, line.Command == "status" && line.Has("--json") ? "status --json" : line.Command).ConfigureAwait(false);
            default:
                await StandardStreams.Error.WriteLineAsync($"mpsa-agent: unknown command '{line.Command}'\n{Usage}").ConfigureAwait(false);
                return ExitUsage;
        }
    }

    public static string Version => DaemonCli.Version;

    /// <summary>Which of the two packages this binary is.</summary>
    public static string Flavour => CertificateSupport.IsEnabled
        ? $"{CertificateSupport.Package}: PSK and certificates"
        : $"mpsa-agent: PSK only, certificates are in {CertificateSupport.Package}";

    /// <summary>Loads the file; prints every problem as `FILE:LINE: message` on stderr.</summary>
    public static bool TryLoad(string path, out AgentSettings settings, bool quiet = false) =>
        DaemonCli.TryLoad(path, AgentConfigFile.Read, out settings, quiet);

    public static string StatusJson(AgentStatus status) => AgentStatusJson.Write(status) + "\n";
}
