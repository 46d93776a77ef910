using Microsoft.Extensions.Logging;

namespace Mpsa.Tests.Secrets;

/// <summary>Passes every call to each of its loggers.</summary>
internal sealed class TeeLogger(params ILogger[] loggers) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => loggers.Any(l => l.IsEnabled(logLevel));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        foreach (var l in loggers)
        {
            l.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
