using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Mpsa.Ike.Wire;

namespace Mpsa.Hosting;

/// <summary>
/// The daemons' loggers: one line per message on stderr, written synchronously under a lock, in the format of
/// Microsoft.Extensions.Logging's simple console formatter (<c>info: category[event] message</c>, an exception on the
/// same line). It replaces Logging.Console, whose queue, writer thread, options and formatter machinery cost the
/// agent several MB of RSS on a router; what it wrote stays byte for byte the same. A message is one line whatever it
/// holds: control characters that escaped the log methods' own escaping become visible escapes here (<see cref="PeerText"/>).
/// </summary>
internal sealed class LineLoggerFactory(LogLevel minimum, bool timestamps, bool colour, TextWriter output) : ILoggerFactory
{
    private readonly Lock _write = new();
    private readonly LogLevel _minimum = minimum;

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the daemons log through LogSetup only");

    public void Dispose() => output.Flush();

    private void Write(LogLevel level, string category, int eventId, string message, Exception? exception)
    {
        var line = new StringBuilder(64 + message.Length);
        if (timestamps)
        {
            LogSetup.AppendTimestamp(line, DateTime.UtcNow);
        }
        line.Append(colour ? Coloured(level) : Name(level)).Append(": ").Append(category)
            .Append('[').Append(eventId.ToString(CultureInfo.InvariantCulture)).Append("] ").Append(PeerText.Escape(message));
        if (exception is not null)
        {
            line.Append(' ').Append(PeerText.Escape(exception.ToString().ReplaceLineEndings(" ")));
        }
        line.Append('\n');
        lock (_write)
        {
            output.Write(line.ToString());
            output.Flush();
        }
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private static string Coloured(LogLevel level) => level switch
    {
        LogLevel.Information => "\u001b[32minfo\u001b[39m",
        LogLevel.Warning => "\u001b[1m\u001b[33mwarn\u001b[39m\u001b[22m",
        LogLevel.Error or LogLevel.Critical => "\u001b[1m\u001b[31m" + Name(level) + "\u001b[39m\u001b[22m",
        _ => "\u001b[90m" + Name(level) + "\u001b[39m",
    };

    private sealed class LineLogger(LineLoggerFactory factory, string category) : ILogger, ILineSink
    {
        public void Write(LogLevel level, int eventId, string message, Exception? exception)
        {
            if (IsEnabled(level))
            {
                factory.Write(level, category, eventId, message, exception);
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= factory._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                factory.Write(logLevel, category, eventId.Id, formatter(state, exception), exception);
            }
        }
    }
}
