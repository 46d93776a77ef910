using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;

namespace Mpsa.Controller;

/// <summary>`mpsa-controller run|check-config|status|reload|version`.</summary>
internal static class ControllerCli
{
    private const int ExitUsage = 64;
    private const int ExitConfig = 78;
    private const int ExitUnavailable = 69;

    private const string Usage = """
        usage: mpsa-controller run [--config FILE]
               mpsa-controller check-config [--config FILE]
               mpsa-controller status [--json] [--config FILE | --socket PATH]
               mpsa-controller reload [--config FILE | --socket PATH]
               mpsa-controller version
        default config: /etc/mpsa/controller.conf
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "--json" }, new HashSet<string> { "--config", "--socket" }, out var error);
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
                if (!TryLoad(path, out var settings))
                {
                    return ExitConfig;
                }
                using (var logs = LogSetup.Create(LogSetup.TryParseLevel(settings.LogLevel, out var level) ? level : LogLevel.Information))
                {
                    return await ControllerDaemon.RunAsync(path, settings, logs).ConfigureAwait(false);
                }
            case "status" or "reload":
                string socket = line.Value("--socket") ?? (TryLoad(path, out var s, quiet: true) ? s.ControlSocket : "/run/mpsa/controller.sock");
                try
                {
                    string command = line.Command == "status" && line.Has("--json") ? "status --json" : line.Command;
                    Console.Write(await ControlClient.SendAsync(socket, command, "mpsa-controller").ConfigureAwait(false));
                    return 0;
                }
                catch (ControlClientException e)
                {
                    await Console.Error.WriteLineAsync($"mpsa-controller: {e.Message}").ConfigureAwait(false);
                    return ExitUnavailable;
                }
            default:
                await Console.Error.WriteLineAsync($"mpsa-controller: unknown command '{line.Command}'\n{Usage}").ConfigureAwait(false);
                return ExitUsage;
        }
    }

    public static string Version => typeof(ControllerCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>Loads the file; prints every problem as `FILE:LINE: message` on stderr.</summary>
    public static bool TryLoad(string path, out ControllerSettings settings, bool quiet = false)
    {
        var warnings = new List<ConfigError>();
        bool ok = ConfigReader.TryLoad(path, r => ControllerConfigFile.Read(r, warnings.Add), out var loaded, out var errors);
        if (!quiet)
        {
            foreach (var e in warnings.Concat(errors))
            {
                Console.Error.WriteLine(e.ToString());
            }
        }
        settings = loaded!;
        return ok;
    }

    public static string StatusText(ControllerStatus status, bool json) =>
        json ? JsonSerializer.Serialize(status, ControllerStatusJson.Default.ControllerStatus) + "\n" : status.ToText();
}
