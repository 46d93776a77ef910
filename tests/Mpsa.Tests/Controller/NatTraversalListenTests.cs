using System.Net;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Exchanges;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Controller;

/// <summary>
/// An initiator that got NAT detection in our IKE_SA_INIT answer and then sent no IKE_AUTH has most likely moved to
/// port 4500 (RFC 7296 §2.23; strongSwan with kernel-libipsec always does): without a socket there (natt = no) the
/// controller says so, once per address, instead of nothing.
/// </summary>
public class NatTraversalListenTests
{
    private const int MovedTo4500 = 116;

    [TestCase(false, 1)]
    [TestCase(true, 0)]
    public void AnInitiatorSilentAfterNatDetectionIsReportedOnceWhenNothingListensOn4500(bool serves4500, int lines)
    {
        var log = new RecordingLogger();
        using var h = new ControllerHarness(1, log: log);
        h.Engine.ServesNatTraversal = serves4500;
        var cpe = new IPEndPoint(IPAddress.Parse("198.51.100.1"), 500);
        var now = h.Now;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            using var initiator = new IkeInitiator(new IkeInitiatorOptions
            {
                Proposals = [Suites.Default], LocalIdentity = "cpe1.example.net", RemoteIdentity = "controller.example.net",
                Psk = h.Members[0].Psk, ChildProposals = Suites.Esp,
                LocalSelectors = [TrafficSelector.ForHost(cpe.Address)], RemoteSelectors = [TrafficSelector.ForHost(ControllerHarness.ControllerAddress.Address)],
                LocalEndpoint = cpe, Random = new SeededRandom(attempt),
            }, ControllerHarness.ControllerAddress);
            var init = initiator.Start(now).Send.Single();
            var answer = h.Engine.Receive(init.Datagram, cpe, now, ControllerHarness.ControllerAddress);
            Assert.That(answer, Has.Count.EqualTo(1), "IKE_SA_INIT answered");
            // its IKE_AUTH goes to 4500 and never arrives; the half-open SA expires
            now += TimeSpan.FromMinutes(1);
            h.Engine.OnTimeout(now);
        }
        Assert.That(log.Count(MovedTo4500), Is.EqualTo(lines));
        if (lines > 0)
        {
            Assert.That(log.Lines.Single(l => l.EventId == MovedTo4500).Text, Does.Contain("198.51.100.1:500").And.Contain("natt = no"));
        }
    }
}
