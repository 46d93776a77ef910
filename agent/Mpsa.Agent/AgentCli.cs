using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mpsa.Agent.Config;
using Mpsa.Hosting;

namespace Mpsa.Agent;

/// <summary>`mpsa-agent run|check-config|status|reload|version`.</summary>
internal static class AgentCli
{
    private const int ExitUsage = 64;
    private const int ExitConfig = 78;
    private const int ExitUnavailable = 69;

    private const string Usage = """
        usage: mpsa-agent run [--config FILE] [--dry-run]
               mpsa-agent check-config [--config FILE]
               mpsa-agent status [--json] [--config FILE | --socket PATH]
               mpsa-agent reload [--config FILE | --socket PATH]
               mpsa-agent self-check
               mpsa-agent version
        default config: /etc/mpsa/mpsa.conf
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "--json", "--dry-run" }, new HashSet<string> { "--config", "--socket" }, out var error);
        if (line is null)
        {
            await Console.Error.WriteLineAsync($"mpsa-agent: {error}\n{Usage}").ConfigureAwait(false);
            return ExitUsage;
        }
        string path = line.Value("--config") ?? AgentConfigFile.DefaultPath;
        switch (line.Command)
        {
            case "version":
                Console.WriteLine($"mpsa-agent {Version}");
                return 0;
            case "self-check":
                return SelfCheck.Run(Console.Out);
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
                    return await AgentDaemon.RunAsync(path, settings, line.Has("--dry-run"), logs).ConfigureAwait(false);
                }
            case "status" or "reload" or "check-liveness":
                string socket = line.Value("--socket") ?? (TryLoad(path, out var s, quiet: true) ? s.ControlSocket : "/run/mpsa/agent.sock");
                try
                {
                    string command = line.Command == "status" && line.Has("--json") ? "status --json" : line.Command;
                    Console.Write(await ControlClient.SendAsync(socket, command, "mpsa-agent").ConfigureAwait(false));
                    return 0;
                }
                catch (ControlClientException e)
                {
                    await Console.Error.WriteLineAsync($"mpsa-agent: {e.Message}").ConfigureAwait(false);
                    return ExitUnavailable;
                }
            default:
                await Console.Error.WriteLineAsync($"mpsa-agent: unknown command '{line.Command}'\n{Usage}").ConfigureAwait(false);
                return ExitUsage;
        }
    }

    public static string Version => typeof(AgentCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>Loads the file; prints every problem as `FILE:LINE: message` on stderr.</summary>
    public static bool TryLoad(string path, out AgentSettings settings, bool quiet = false)
    {
        var warnings = new List<ConfigError>();
        bool ok = ConfigReader.TryLoad(path, r => AgentConfigFile.Read(r, warnings.Add), out var loaded, out var errors);
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

    public static string StatusJson(AgentStatus status) => JsonSerializer.Serialize(status, AgentStatusJson.Default.AgentStatus) + "\n";
}
