using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace Mpsa.Hosting;

/// <summary>A logger that takes finished lines (the daemons' own, <see cref="LineLoggerFactory"/>): writing to it needs
/// no generic call.</summary>
internal interface ILineSink
{
    void Write(LogLevel level, int eventId, string message, Exception? exception);
}

/// <summary>
/// How the daemons log: <c>logger.Line(LogLevel.Warning, 153, "sending {Length} bytes to {To} failed", length, to)</c>.
/// Nothing is formatted unless the level is enabled. A line sink gets the text; any other logger (the controller's
/// Logging.Console, a test's) gets a <see cref="LogLine"/> as its state, unless the agent is published with
/// <c>Mpsa.Logging.LinesOnly</c>: then that path, and with it ILogger's generic <c>Log&lt;TState&gt;</c> and NativeAOT's
/// type loader, is left out of the binary.
/// </summary>
internal static class LineLogging
{
    public const string LinesOnlySwitch = "Mpsa.Logging.LinesOnly";

    private static readonly bool s_linesOnly = AppContext.TryGetSwitch(LinesOnlySwitch, out bool on) && on;   // read once: a lookup under a lock

    [FeatureSwitchDefinition(LinesOnlySwitch)]
    private static bool LinesOnly => s_linesOnly;

    public static void Line(this ILogger logger, LogLevel level, int eventId, string template, params object?[] values) =>
        Line(logger, level, eventId, null, template, values);

    public static void Line(this ILogger logger, LogLevel level, int eventId, Exception? exception, string template, params object?[] values)
    {
        if (!logger.IsEnabled(level))
        {
            return;
        }
        var line = new LogLine(template, values);
        if (logger is ILineSink sink)
        {
            sink.Write(level, eventId, line.ToString(), exception);
        }
        else if (!LinesOnly)
        {
            logger.Log(level, new EventId(eventId), line, exception, LogLine.Text);
        }
    }
}
