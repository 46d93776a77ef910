using System.Text;
using Microsoft.Extensions.Logging;

namespace Mpsa.Hosting;

/// <summary>
/// The agent's logging: one line per message on stderr (procd's <c>stderr 1</c> hands it to logd), written when it is
/// logged (<see cref="LineLoggerFactory"/>), colour only on a terminal. The controller, a server, uses
/// Microsoft.Extensions.Logging.Console instead (its <c>ControllerLogging</c>, for <c>log_format</c>); level names are shared.
/// </summary>
internal static class LogSetup
{
    /// <summary>The accepted level names, as the config and the command line spell them.</summary>
    public static IReadOnlyList<string> LevelNames { get; } = ["debug", "info", "warning", "error"];

    /// <summary>
    /// Timestamp prefix when timestamps are on: UTC, millisecond resolution, <c>yyyy-MM-ddTHH:mm:ss.fffZ </c>. Written
    /// digit by digit: a custom DateTime format string pulls the whole date formatter and time zone support (about
    /// 60 kB) into the agent's binary.
    /// </summary>
    public static void AppendTimestamp(StringBuilder line, DateTime utc)
    {
        Span<char> text = stackalloc char[25];
        Digits(text[..4], utc.Year);
        text[4] = '-';
        Digits(text.Slice(5, 2), utc.Month);
        text[7] = '-';
        Digits(text.Slice(8, 2), utc.Day);
        text[10] = 'T';
        Digits(text.Slice(11, 2), utc.Hour);
        text[13] = ':';
        Digits(text.Slice(14, 2), utc.Minute);
        text[16] = ':';
        Digits(text.Slice(17, 2), utc.Second);
        text[19] = '.';
        Digits(text.Slice(20, 3), utc.Millisecond);
        text[23] = 'Z';
        text[24] = ' ';
        line.Append(text);
    }

    private static void Digits(Span<char> field, int value)
    {
        for (int i = field.Length - 1; i >= 0; i--, value /= 10)
        {
            field[i] = (char)('0' + (value % 10));
        }
    }

    /// <summary><c>debug|info|warning|error</c> (any case; <c>trace</c>, <c>warn</c> and <c>information</c> too).</summary>
    public static bool TryParseLevel(string text, out LogLevel level)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "trace":
                level = LogLevel.Trace;
                return true;
            case "debug":
                level = LogLevel.Debug;
                return true;
            case "info" or "information":
                level = LogLevel.Information;
                return true;
            case "warning" or "warn":
                level = LogLevel.Warning;
                return true;
            case "error":
                level = LogLevel.Error;
                return true;
            default:
                level = LogLevel.None;
                return false;
        }
    }

    /// <summary>The level type for a config key: <c>log_level = info</c>.</summary>
    public static ValueParser<LogLevel> LevelValue { get; } = new("a log level (debug, info, warning, error)",
        static (string text, out LogLevel level, out string? problem) =>
        {
            problem = null;
            return TryParseLevel(text, out level);
        });

    /// <summary>
    /// Builds the factory. <paramref name="colour"/> null means "when stderr is a terminal and NO_COLOR is
    /// not set" (the formatter's own default looks at stdout, which is the wrong stream here).
    /// </summary>
    public static ILoggerFactory Create(LogLevel minimum, bool timestamps = false, bool? colour = null)
    {
        bool useColour = colour ?? (StandardStreams.IsErrorTerminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));
        return new LineLoggerFactory(minimum, timestamps, useColour, StandardStreams.Error);
    }

    /// <summary><see cref="Create(LogLevel, bool, bool?)"/> from a level name; false (and no factory) for a bad name.</summary>
    public static bool TryCreate(string level, bool timestamps, out ILoggerFactory? factory)
    {
        factory = TryParseLevel(level, out var parsed) ? Create(parsed, timestamps) : null;
        return factory is not null;
    }
}
