using Microsoft.Extensions.Logging;

namespace Mpsa.Tests.Support;

/// <summary>Keeps every log line (level, event id, text) for assertions.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<(LogLevel Level, int EventId, string Text)> _lines = [];
    private readonly Dictionary<int, int> _counts = [];

    /// <summary>False: lines are only counted (<see cref="Count"/>), so a long run's memory does not grow with them.</summary>
    public bool KeepLines { get; set; } = true;

    /// <summary>Lines logged with this event id, kept or not.</summary>
    public int Count(int eventId)
    {
        lock (_lines)
        {
            return _counts.GetValueOrDefault(eventId);
        }
    }

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
        string text = formatter(state, exception);
        lock (_lines)
        {
            _counts[eventId.Id] = _counts.GetValueOrDefault(eventId.Id) + 1;
            if (KeepLines)
            {
                _lines.Add((logLevel, eventId.Id, text));
            }
        }
    }
}
