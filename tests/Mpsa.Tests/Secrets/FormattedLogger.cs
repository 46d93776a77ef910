using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Mpsa.Controller;

namespace Mpsa.Tests.Secrets;

/// <summary>
/// Every call written by the controller's own console formatter for <c>log_format</c> (text, json or systemd), as
/// <see cref="ControllerLogging"/> configures it, into a string: exactly the bytes the daemon would write.
/// </summary>
internal sealed class FormattedLogger : ILogger, IDisposable
{
    private readonly ServiceProvider _services;
    private readonly ConsoleFormatter _formatter;
    private readonly StringWriter _text = new();

    public FormattedLogger(string format)
    {
        _services = new ServiceCollection().AddLogging(b => ControllerLogging.Configure(b, LogLevel.Trace, format)).BuildServiceProvider();
        string name = format switch { "json" => ConsoleFormatterNames.Json, "systemd" => ConsoleFormatterNames.Systemd, _ => ConsoleFormatterNames.Simple };
        _formatter = _services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
    }

    public string Text => _text.ToString();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _formatter.Write(new LogEntry<TState>(logLevel, "mpsa-controller", eventId, state, exception, formatter), null, _text);

    public void Dispose() => _services.Dispose();
}
