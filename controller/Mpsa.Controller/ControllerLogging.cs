using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Mpsa.Controller;

/// <summary>
/// The controller's logs through Microsoft.Extensions.Logging.Console, all on stderr, one line per message:
/// <c>text</c> (simple formatter, <c>info: category[event] message</c>, as the agent writes), <c>json</c> (one JSON
/// object per line, for a log pipeline) or <c>systemd</c> (<c>&lt;6&gt;category[event] message</c>: journald takes the
/// priority from the prefix). The agent keeps its synchronous line logger (see <c>LineLoggerFactory</c>); a server
/// can afford this package's queue and writer thread.
/// </summary>
internal static class ControllerLogging
{
    public static readonly string[] Formats = ["text", "json", "systemd"];

    public static ILoggerFactory Create(LogLevel minimum, string format) =>
        LoggerFactory.Create(b => Configure(b, minimum, format));

    /// <summary>The console provider with the formatter of <paramref name="format"/> (tests resolve the same formatter).</summary>
    public static void Configure(ILoggingBuilder b, LogLevel minimum, string format)
    {
        b.SetMinimumLevel(minimum);
        // each Add*Console names its formatter: only the chosen one is added
        switch (format)
        {
            case "json":
                b.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.JsonWriterOptions = new() { Indented = false };
                });
                break;
            case "systemd":
                b.AddSystemdConsole();
                break;
            default:
                b.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    bool plain = Console.IsErrorRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
                    o.ColorBehavior = plain ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Enabled;
                });
                break;
        }
        b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // the same formatters, written in batches (see BatchedConsoleLoggerProvider)
        if (b.Services.FirstOrDefault(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)) is { } console)
        {
            b.Services.Remove(console);
        }
        b.Services.AddSingleton<ILoggerProvider, BatchedConsoleLoggerProvider>();
    }
}
