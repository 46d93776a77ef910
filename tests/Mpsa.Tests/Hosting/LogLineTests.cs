using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Hosting;

/// <summary>The daemons' log lines (<see cref="LogLine"/>, <see cref="LineLogging"/>) read as Microsoft.Extensions.Logging's
/// LoggerMessage would write them, and keep the structured values for the controller's JSON.</summary>
public class LogLineTests
{
    private sealed class Capture : ILogger
    {
        public List<(LogLevel Level, int Id, object? State, string Text, Exception? Exception)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, eventId.Id, state, formatter(state, exception), exception));
    }

    private static string ByLoggerMessage<T1, T2, T3>(string template, T1 a, T2 b, T3 c)
    {
        var capture = new Capture();
        LoggerMessage.Define<T1, T2, T3>(LogLevel.Warning, new EventId(1), template)(capture, a, b, c, null);
        return capture.Lines[0].Text;
    }

    private static readonly object?[][] Cases =
    [
        ["sent {Length} bytes to {To}: {Error}", 1200, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 4500), SocketError.HostUnreachable],
        ["uplink up after {Seconds:F1} s {Missing} {Flag}", 12.345, null, true],
        ["{{literal}} {A} and {{{B}}} {C:x4}", "text", new List<string> { "a", "b" }, 0xbeef],
        ["{A}{B}{C}", -1L, 3.5m, new[] { 1, 2, 3 }],
        ["values at the end: {A:D3}, {B}, {C}", (byte)7, IPAddress.Parse("2001:db8::1"), new List<object?> { null, 1 }],
    ];

    [TestCaseSource(nameof(Cases))]
    public void ATemplateReadsAsLoggerMessageWritesIt(string template, object? a, object? b, object? c)
    {
        string expected = ByLoggerMessage(template, a, b, c);
        Assert.That(new LogLine(template, [a, b, c]).ToString(), Is.EqualTo(expected));
    }

    [Test]
    public void AStructuredLoggerGetsEachValueByItsNameAndTheTemplate()
    {
        var capture = new Capture();
        var to = new IPEndPoint(IPAddress.Loopback, 500);
        capture.Line(LogLevel.Warning, 153, "UDP on {Local}: sending {Length} bytes to {To:G} failed", to, 88, to);
        var (level, id, state, text, _) = capture.Lines.Single();
        var pairs = ((IReadOnlyList<KeyValuePair<string, object?>>)state!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That((level, id), Is.EqualTo((LogLevel.Warning, 153)));
            Assert.That(text, Is.EqualTo("UDP on 127.0.0.1:500: sending 88 bytes to 127.0.0.1:500 failed"));
            Assert.That(pairs.Select(p => p.Key), Is.EqualTo(new[] { "Local", "Length", "To", "{OriginalFormat}" }));
            Assert.That(pairs[1].Value, Is.EqualTo(88));
            Assert.That(pairs[3].Value, Is.EqualTo("UDP on {Local}: sending {Length} bytes to {To:G} failed"));
        });
    }

    [Test]
    public void NothingIsFormattedBelowTheLevelAndTheExceptionTravelsBeside()
    {
        var capture = new Capture();
        var boom = new InvalidOperationException("boom");
        capture.Line(LogLevel.Debug, 1, "hidden {X}", new Exploding());
        capture.Line(LogLevel.Error, 2, boom, "failed: {Command}", "status");
        Assert.That(capture.Lines, Has.Count.EqualTo(1));
        Assert.That(capture.Lines[0].Text, Is.EqualTo("failed: status"));
        Assert.That(capture.Lines[0].Exception, Is.SameAs(boom));
    }

    private sealed class Exploding
    {
        public override string ToString() => throw new AssertionException("formatted although the level is off");
    }

    /// <summary>Every log call of both daemons' hosting and agent code passes as many values as its template has
    /// placeholders (the compiler checked that for LoggerMessage; nothing does for these calls but this), and no two
    /// messages share an EventId.</summary>
    [TestCase("agent/Mpsa.Agent/AgentLog.cs")]
    [TestCase("agent/Mpsa.Hosting/HostingLog.cs")]
    public void EveryLogCallHasAValueForEachPlaceholder(string file)
    {
        string source = File.ReadAllText(Path.Combine(Daemon.RepoRoot, file));
        var calls = Regex.Matches(source, @"logger\.Line\(LogLevel\.\w+, (\d+), (?:\w+, )?""((?:[^""\\]|\\.)*)""((?:, [^,;]+)*)\);");
        Assert.That(calls, Has.Count.GreaterThan(10));
        var ids = new HashSet<int>();
        foreach (Match call in calls)
        {
            string template = call.Groups[2].Value.Replace("{{", "", StringComparison.Ordinal).Replace("}}", "", StringComparison.Ordinal);
            int placeholders = Regex.Count(template, @"\{[^}]+\}");
            int values = call.Groups[3].Value.Length == 0 ? 0 : call.Groups[3].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.That(values, Is.EqualTo(placeholders), call.Value);
            Assert.That(ids.Add(int.Parse(call.Groups[1].Value, CultureInfo.InvariantCulture)), Is.True, $"EventId used twice: {call.Value}");
        }
        Assert.That(Regex.Count(source, @"logger\.Line\("), Is.EqualTo(calls.Count), "a call this test cannot read");
    }
}
