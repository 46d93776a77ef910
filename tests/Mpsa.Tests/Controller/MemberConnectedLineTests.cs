using System.Net;
using Mpsa.Controller;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Secrets;

namespace Mpsa.Tests.Controller;

/// <summary>
/// The line each connecting member gets (EventId 200) is formatted by hand for speed; it must read as the template says,
/// with addresses and SPIs printed as everywhere else, and keep its named values for the JSON format.
/// </summary>
public class MemberConnectedLineTests
{
    private static readonly IkeSuite Suite = new(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);
    private static readonly IkeSpi SpiI = new(0x00c0ffee_12345678);
    private static readonly IkeSpi SpiR = new(0xfedcba98_76543210);

    [TestCase("192.0.2.10", 4500)]
    [TestCase("2001:db8::7", 500)]
    [TestCase("::ffff:198.51.100.3", 61000)]
    public void TheTextLineReadsAsTheTemplateWithTheUsualPrinting(string address, int port)
    {
        var from = new IPEndPoint(IPAddress.Parse(address), port);
        using var text = new FormattedLogger("text");

        text.MemberConnected("cpe7", from, SpiI, SpiR, Suite);

        Assert.That(text.Text.TrimEnd('\n'), Is.EqualTo(
            $"info: mpsa-controller[200] member cpe7 connected from {from}, IKE SA {SpiI}/{SpiR} {Suite}"));
    }

    [Test]
    public void TheJsonLineCarriesEveryNamedValue()
    {
        using var json = new FormattedLogger("json");

        json.MemberConnected("cpe7", new IPEndPoint(IPAddress.Parse("192.0.2.10"), 4500), SpiI, SpiR, Suite);

        Assert.Multiple(() =>
        {
            Assert.That(json.Text, Does.Contain("\"EventId\":200"));
            Assert.That(json.Text, Does.Contain("\"Member\":\"cpe7\""));
            Assert.That(json.Text, Does.Contain("\"Address\":\"192.0.2.10:4500\""));
            Assert.That(json.Text, Does.Contain("\"SpiI\":\"00c0ffee12345678\""));
            Assert.That(json.Text, Does.Contain("\"SpiR\":\"fedcba9876543210\""));
            Assert.That(json.Text, Does.Contain("\"Suite\":\"CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE25519\""));
            Assert.That(json.Text, Does.Contain("\"{OriginalFormat}\":\"member {Member} connected from {Address}, IKE SA {SpiI}/{SpiR} {Suite}\""));
        });
    }

    [Test]
    public void NothingIsFormattedBelowTheLevel()
    {
        var quiet = new CountingLogger();

        quiet.MemberConnected("cpe7", new IPEndPoint(IPAddress.Loopback, 500), SpiI, SpiR, Suite);

        Assert.That(quiet.Calls, Is.Zero);
    }

    private sealed class CountingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public int Calls { get; private set; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter) => Calls++;
    }
}
