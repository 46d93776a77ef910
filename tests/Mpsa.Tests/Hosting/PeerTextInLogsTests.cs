using System.Net;
using Mpsa.Agent;
using Mpsa.Controller;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Hosting;

/// <summary>Each log method that takes text a peer chose escapes it: a peer cannot end the line or send a terminal sequence.</summary>
public class PeerTextInLogsTests
{
    private const string Hostile = "cpe\nwarn: mpsa-controller[200] forged\u001b[2J\u202e";
    private const string Escaped = @"cpe\nwarn: mpsa-controller[200] forged\x1b[2J\u202e";
    private static readonly IPEndPoint From = new(IPAddress.Parse("198.51.100.7"), 500);

    private static void AssertOneSafeLine(RecordingLogger log, int eventId)
    {
        var line = log.Lines.Single(l => l.EventId == eventId).Text;
        Assert.That(line, Does.Contain(Escaped));
        Assert.That(line.Any(PeerText.IsUnsafe), Is.False, line);
    }

    [Test]
    public void ControllerLogEscapesWhatPeersSent()
    {
        var log = new RecordingLogger();
        log.PeerRefused(From, Hostile);
        AssertOneSafeLine(log, 202);
        log.PeerRefusedAgain(From, Hostile, 3, 10);
        AssertOneSafeLine(log, 211);
        log.MemberGone("cpe1", From, PeerGoneReason.DeletedByPeer, Hostile);
        AssertOneSafeLine(log, 201);
        log.MemberCertificateRefused("cpe1", Hostile);
        AssertOneSafeLine(log, 210);
        ControllerLog.Dropped(log, From, Hostile);
        AssertOneSafeLine(log, 101);
        log.LimitReached("max_payloads", From, Hostile, 0);
        AssertOneSafeLine(log, 104);
        log.RekeyMissed("g", "cpe1", new EspSpi(1), Hostile);
        AssertOneSafeLine(log, 504);
    }

    [Test]
    public void AgentLogEscapesWhatTheControllerSent()
    {
        var log = new RecordingLogger();
        log.Disconnected(PeerGoneReason.AuthenticationFailed, "responder identity " + Hostile, 1, 1000);
        AssertOneSafeLine(log, 203);
        log.FailingOver(From, PeerGoneReason.AuthenticationFailed, "responder identity " + Hostile, From);
        AssertOneSafeLine(log, 215);
        log.Connected(new IkeSpi(1), new IkeSpi(2), Hostile, From, Mpsa.Tests.Exchanges.Suites.Default);
        AssertOneSafeLine(log, 201);
        log.MpsaMalformed(Hostile);
        AssertOneSafeLine(log, 206);
        AgentLog.Dropped(log, From, Hostile);
        AssertOneSafeLine(log, 101);
        log.GroupSaRejected(new EspSpi(1), NotifyType.INVALID_SYNTAX, Hostile);
        AssertOneSafeLine(log, 501);
        log.GroupSaWarning(new EspSpi(1), Hostile);
        AssertOneSafeLine(log, 502);
    }

    [Test]
    public void HostingLogEscapesWhatAControlClientSent()
    {
        var log = new RecordingLogger();
        log.ControlRequest(Hostile);
        AssertOneSafeLine(log, 702);
        log.ControlRejected(Hostile);
        AssertOneSafeLine(log, 703);
        log.ControlCommandFailed(new InvalidOperationException("x"), Hostile);
        AssertOneSafeLine(log, 704);
    }
}
