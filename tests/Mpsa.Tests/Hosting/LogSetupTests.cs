using Microsoft.Extensions.Logging;
using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

[NonParallelizable]
public partial class LogSetupTests
{
    private TextWriter _originalError = null!;
    private StringWriter _captured = null!;

    [SetUp]
    public void CaptureStandardError()
    {
        // The logger takes StandardStreams.Error when the factory is built, so this must come first.
        _originalError = StandardStreams.Error;
        _captured = new StringWriter();
        StandardStreams.Error = _captured;
    }

    [TearDown]
    public void RestoreStandardError()
    {
        StandardStreams.Error = _originalError;
        _captured.Dispose();
    }

    [TestCase("debug", LogLevel.Debug)]
    [TestCase("INFO", LogLevel.Information)]
    [TestCase("warning", LogLevel.Warning)]
    [TestCase("error", LogLevel.Error)]
    public void ParsesLevelNames(string text, LogLevel expected)
    {
        Assert.That(LogSetup.TryParseLevel(text, out var level), Is.True);
        Assert.That(level, Is.EqualTo(expected));
    }

    [Test]
    public void RejectsAnUnknownLevelName()
    {
        Assert.That(LogSetup.TryParseLevel("loud", out _), Is.False);
    }

    [Test]
    public void WritesEveryMessageToStandardErrorByTheTimeTheFactoryIsDisposed()
    {
        using (var factory = LogSetup.Create(LogLevel.Debug, timestamps: false, colour: false))
        {
            var logger = factory.CreateLogger("Mpsa.Agent");
            for (int i = 0; i < 5000; i++)
            {
                Message(logger, i);
            }
        }

        var lines = _captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(5000));
        Assert.That(lines[0], Is.EqualTo("info: Mpsa.Agent[1] message 0"));
        Assert.That(lines[4999], Is.EqualTo("info: Mpsa.Agent[1] message 4999"));
    }

    [Test]
    public void FiltersBelowTheMinimumLevelAndWritesNoColourWhenToldNot()
    {
        using (var factory = LogSetup.Create(LogLevel.Warning, colour: false))
        {
            var logger = factory.CreateLogger("Mpsa.Agent");
            Hidden(logger, LogLevel.Debug);
            Hidden(logger, LogLevel.Information);
            Shown(logger, "0x1234");
            Failed(logger, new InvalidOperationException("boom"));
        }

        var text = _captured.ToString();
        Assert.That(text, Does.Not.Contain("hidden"));
        Assert.That(text, Does.Not.Contain("\u001b["));
        Assert.That(text, Does.StartWith("warn: Mpsa.Agent[3] shown 0x1234\nfail: Mpsa.Agent[4] failed System.InvalidOperationException: boom"));
    }

    [Test]
    public void PrefixesAUtcTimestampWhenAsked()
    {
        using (var factory = LogSetup.Create(LogLevel.Information, timestamps: true, colour: false))
        {
            var logger = factory.CreateLogger("x");
            Hello(logger);
        }

        Assert.That(_captured.ToString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: x\[5\] hello\n$"));
    }

    // Written digit by digit; the same text as the format string "yyyy-MM-ddTHH:mm:ss.fffZ " would give.
    [TestCase(2026, 12, 2, 15, 4, 5, 7)]
    [TestCase(1, 1, 1, 0, 0, 0, 0)]
    [TestCase(9999, 12, 31, 23, 59, 59, 999)]
    public void WritesTheTimestampAsTheFormatStringWould(int y, int mo, int d, int h, int mi, int s, int ms)
    {
        var when = new DateTime(y, mo, d, h, mi, s, ms, DateTimeKind.Utc);
        var line = new System.Text.StringBuilder();
        LogSetup.AppendTimestamp(line, when);
        Assert.That(line.ToString(), Is.EqualTo(when.ToString("yyyy-MM-ddTHH:mm:ss.fffZ ", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void ColoursWhenTold()
    {
        using (var factory = LogSetup.Create(LogLevel.Information, colour: true))
        {
            Failed(factory.CreateLogger("x"), new InvalidOperationException("red"));
        }

        Assert.That(_captured.ToString(), Does.Contain("\u001b["));
    }

    [Test]
    public void WritesOneLineWhateverAMessageHolds()
    {
        using (var factory = LogSetup.Create(LogLevel.Information, colour: false))
        {
            Shown(factory.CreateLogger("x"), "a\nwarn: x[3] forged\u001b[2J");
        }

        Assert.That(_captured.ToString(), Is.EqualTo("warn: x[3] shown a\\nwarn: x[3] forged\\x1b[2J\n"));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "message {Number}")]
    private static partial void Message(ILogger logger, int number);

    [LoggerMessage(EventId = 2, Message = "hidden")]
    private static partial void Hidden(ILogger logger, LogLevel level);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "shown {Spi}")]
    private static partial void Shown(ILogger logger, string spi);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "failed")]
    private static partial void Failed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "hello")]
    private static partial void Hello(ILogger logger);
}
