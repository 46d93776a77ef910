using System.Text;
using Microsoft.Extensions.Logging;

namespace Mpsa.Tests.Secrets;

/// <summary>Keeps every log call at every level: the formatted line, each structured value and any exception.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly StringBuilder _text = new();

    public string Text => _text.ToString();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _text.Append(logLevel).Append(' ').Append(eventId.Id).Append(' ').AppendLine(formatter(state, exception));
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                _text.Append("  ").Append(key).Append('=').AppendLine(value is byte[] b ? Convert.ToHexString(b) : value?.ToString());
            }
        }
        if (exception is not null)
        {
            _text.AppendLine(exception.ToString());
        }
    }
}
