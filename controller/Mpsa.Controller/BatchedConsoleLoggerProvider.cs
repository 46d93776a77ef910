using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Mpsa.Controller;

/// <summary>
/// Logging.Console's formatters (the same bytes on stderr) with a cheaper writer. ConsoleLogger wakes its writer thread
/// and makes one write() for every line: at a few thousand connects a second that hand-off cost the controller about
/// 8 % of its CPU. Here a line is formatted on the caller's thread as there and queued; the writer, once woken, lets
/// lines gather for <see cref="Linger"/> and writes them all with one call. A full queue makes the caller wait, as
/// ConsoleLogger's default does; what is queued when the provider is disposed is written before it returns.
/// </summary>
internal sealed class BatchedConsoleLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(10);
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    [ThreadStatic]
    private static StringWriter? t_text;

    private readonly ConsoleFormatter _formatter;
    private readonly int _maxQueued;
    private readonly Queue<string> _queue = new();
    private readonly Stream _output;
    private readonly Thread _writer;
    private byte[] _bytes = new byte[16 * 1024];
    private bool _writerSleeps;
    private bool _completed;
    private IExternalScopeProvider? _scopes;

    public BatchedConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters)
    {
        var o = options.CurrentValue;
        string name = o.FormatterName ?? ConsoleFormatterNames.Simple;
        var all = formatters.ToList();
        _formatter = all.FirstOrDefault(f => f.Name == name) ?? all.First(f => f.Name == ConsoleFormatterNames.Simple);
        _maxQueued = Math.Max(1, o.MaxQueueLength);
        _output = Console.OpenStandardError();
        _writer = new Thread(WriteQueued) { IsBackground = true, Name = "mpsa-log" };
        _writer.Start();
    }

    public ILogger CreateLogger(string categoryName) => new BatchedLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    private void Enqueue(string line)
    {
        lock (_queue)
        {
            while (_queue.Count >= _maxQueued && !_completed)
            {
                Monitor.Wait(_queue);
            }
            if (!_completed)
            {
                _queue.Enqueue(line);
                if (_writerSleeps)
                {
                    _writerSleeps = false;
                    Monitor.PulseAll(_queue);
                }
                return;
            }
        }
        Write([line]);   // after Dispose: straight out
    }

    private void WriteQueued()
    {
        var batch = new List<string>();
        while (true)
        {
            bool completed;
            lock (_queue)
            {
                while (_queue.Count == 0 && !_completed)
                {
                    _writerSleeps = true;
                    Monitor.Wait(_queue);
                }
                _writerSleeps = false;
                completed = _completed;
                if (_queue.Count == 0)
                {
                    return;
                }
            }
            if (!completed)
            {
                Thread.Sleep(Linger);   // the lines of the next few milliseconds go out with this one
            }
            lock (_queue)
            {
                while (_queue.TryDequeue(out var line))
                {
                    batch.Add(line);
                }
                Monitor.PulseAll(_queue);   // callers waiting for room
            }
            Write(batch);
            batch.Clear();
        }
    }

    private void Write(List<string> lines)
    {
        lock (_output)
        {
            int length = 0;
            foreach (var line in lines)
            {
                int most = Utf8.GetMaxByteCount(line.Length);
                if (_bytes.Length - length < most)
                {
                    Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, length + most));
                }
                length += Utf8.GetBytes(line, _bytes.AsSpan(length));
            }
            try
            {
                _output.Write(_bytes, 0, length);
                _output.Flush();
            }
            catch (IOException)
            {
                // stderr gone (a closed pipe): the log is lost, the controller goes on, as with ConsoleLogger
            }
        }
    }

    public void Dispose()
    {
        lock (_queue)
        {
            _completed = true;
            Monitor.PulseAll(_queue);
        }
        _writer.Join(TimeSpan.FromSeconds(2));
        // _output stays open: stderr is the process's, and a line logged after this still goes out
    }

    private sealed class BatchedLogger(string category, BatchedConsoleLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var text = t_text ??= new StringWriter();
            owner._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), owner._scopes, text);
            var built = text.GetStringBuilder();
            if (built.Length == 0)
            {
                return;
            }
            string line = built.ToString();
            built.Clear();
            if (built.Capacity > 1024)
            {
                built.Capacity = 1024;
            }
            owner.Enqueue(line);
        }
    }
}
