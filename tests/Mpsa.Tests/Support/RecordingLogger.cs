using Microsoft.Extensions.Logging;

namespace Mpsa.Tests.Support;

/// <summary>Keeps every log line (level, event id, text) for assertions.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<(LogLevel Level, int EventId, string Text)> _lines = [];

    public IReadOnlyList<(LogLevel Level, int EventId, string Text)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_lines)
        {
            _lines.Add((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
