using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;

namespace Mpsa.Controller;

/// <summary>`mpsa-controller run|check-config|status|reload|version`.</summary>
internal static class ControllerCli
{
    private const int ExitUsage = DaemonCli.ExitUsage;
    private const int ExitConfig = DaemonCli.ExitConfig;

    private static readonly string Usage = $"""
        usage: mpsa-controller run [--config FILE] [--reset-state]
               mpsa-controller check-config [--config FILE]
               mpsa-controller status [--json] [--config FILE | --socket PATH]
               mpsa-controller reload [--config FILE | --socket PATH]
        {MemberCommands.Usage}
               mpsa-controller version
               mpsa-controller help | --help | -h
        default config: /etc/mpsa/controller.conf
        --reset-state: start with new group SAs when the state file cannot be read (every member rekeys)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (DaemonCli.WantsHelp(args))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        if (args is ["member", ..])
        {
            return MemberCommands.Run(args);
        }
        var line = CommandLine.Parse(args, new HashSet<string> { "--json", "--reset-state" }, new HashSet<string> { "--config", "--socket" }, out var error);
        if (line is null)
        {
            await Console.Error.WriteLineAsync($"mpsa-controller: {error}\n{Usage}").ConfigureAwait(false);
            return ExitUsage;
        }
        string path = line.Value("--config") ?? ControllerConfigFile.DefaultPath;
        switch (line.Command)
        {
            case "version":
                Console.WriteLine($"mpsa-controller {Version}");
                return 0;
            case "check-config":
                if (!TryLoad(path, out _))
                {
                    return ExitConfig;
                }
                Console.WriteLine("configuration OK");
                return 0;
            case "run":
                if (!DaemonCli.TryLoad(path, ControllerConfigFile.Read, out var settings, out var warnings))
                {
                    return ExitConfig;
                }
                using (var logs = ControllerLogging.Create(
                    LogSetup.TryParseLevel(settings.LogLevel, out var level) ? level : LogLevel.Information, settings.LogFormat))
                {
                    var log = logs.CreateLogger("mpsa-controller");
                    warnings.ForEach(log.ConfigWarning);
                    return await ControllerDaemon.RunAsync(path, settings, logs, line.Has("--reset-state")).ConfigureAwait(false);
                }
            case "status" or "reload":
                string socket = line.Value("--socket") ?? (TryLoad(path, out var s, quiet: true) ? s.ControlSocket : "/run/mpsa/controller.sock");
                return await DaemonCli.SendAsync("mpsa-controller", socket, line.Command == "status" && line.Has("--json") ? "status --json" : line.Command).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync($"mpsa-controller: unknown command '{line.Command}'\n{Usage}").ConfigureAwait(false);
                return ExitUsage;
        }
    }

    public static string Version => DaemonCli.Version;

    /// <summary>Loads the file; prints every problem as `FILE:LINE: message` on stderr.</summary>
    public static bool TryLoad(string path, out ControllerSettings settings, bool quiet = false) =>
        DaemonCli.TryLoad(path, ControllerConfigFile.Read, out settings, quiet);

    public static string StatusText(ControllerStatus status, bool json) =>
        json ? JsonSerializer.Serialize(status, ControllerStatusJson.Default.ControllerStatus) + "\n" : status.ToText();
}
