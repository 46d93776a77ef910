using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Agent;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// The answer to N(MPSA_PUT) is the CPE's verdict, sent after the data plane acted (docs/PROTOCOL.md "Refusals"):
///   &lt;-- HDR, SK {N(MPSA_PUT)}     HDR, SK {} -->   or   HDR, SK {N(error, ESP, SPI)} -->
/// </summary>
public class MpsaVerdictTests
{
    [Test]
    public void AnswersRoll1LaterThanRoll2WithInvalidSyntaxNamingTheSpiAndInstallsNothing()
    {
        // The reproduction: ROLL1 90 s, ROLL2 60 s. The controller must not record the CPE as holding it.
        using var pair = new Pair(Suites.Default);
        using var rig = new GroupSaRig();
        pair.Verdict = r => rig.Manager.Receive(r.Puts, r.PeerSentVendorId, rig.Now).Refusal;
        pair.Establish();
        using var put = GroupSaPuts.Cbc(0xc0000101, seed: 1, roll1: 90, roll2: 60);

        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Deliver();

        var ack = pair.Single<MpsaAcknowledged>(pair.ResponderEvents);
        Assert.Multiple(() =>
        {
            Assert.That(ack.Error, Is.EqualTo(NotifyType.INVALID_SYNTAX));
            Assert.That(ack.RefusedSpi, Is.EqualTo(new EspSpi(0xc0000101)));
            Assert.That(ack.Spis, Is.EqualTo(new[] { new EspSpi(0xc0000101) }));
            Assert.That(rig.Contents(), Is.Empty);
        });
        foreach (var p in pair.InitiatorEvents.OfType<MpsaReceived>().SelectMany(r => r.Puts))
        {
            p.Dispose();
        }
    }

    [Test]
    public void AnswersAnAcceptedMessageWithAnEmptyEncryptedPayload()
    {
        using var pair = new Pair(Suites.Default);
        using var rig = new GroupSaRig();
        pair.Verdict = r => rig.Manager.Receive(r.Puts, r.PeerSentVendorId, rig.Now).Refusal;
        pair.Establish();
        using var current = GroupSaPuts.Cbc(0xc0000201, seed: 1);
        using var next = GroupSaPuts.Cbc(0xc0000202, seed: 2);

        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [current, next], pair.Now));
        pair.Deliver();

        var ack = pair.Single<MpsaAcknowledged>(pair.ResponderEvents);
        Assert.That(ack.Error, Is.Null);
        Assert.That(ack.Spis, Is.EqualTo(new[] { current.Spi, next.Spi }));
        Assert.That(rig.Manager.Count, Is.EqualTo(2));
        foreach (var p in pair.InitiatorEvents.OfType<MpsaReceived>().SelectMany(r => r.Puts))
        {
            p.Dispose();
        }
    }

    [Test]
    public void HoldsTheAnswerUntilTheVerdictAndDropsCopiesOfTheRequestMeanwhile()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        using var put = MpsaPutSamples.Make(0xc0000301);
        var request = pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now).Send.Single().Datagram;

        // <-- HDR, SK {N(MPSA_PUT)}: no answer yet, only the event
        var first = pair.Initiator.Receive(request, Pair.Controller, pair.Now);
        Assert.That(first.Send, Is.Empty, "nothing is answered before the data plane acted");
        var received = first.Events.OfType<MpsaReceived>().Single();

        // the controller retransmits while the CPE is still at work: dropped, not answered, not handed out twice
        var copy = pair.Initiator.Receive(request, Pair.Controller, pair.Now);
        Assert.That(copy.Send, Is.Empty);
        Assert.That(copy.Events.OfType<MpsaReceived>(), Is.Empty);
        Assert.That(copy.Events.OfType<MessageDropped>().Single().Reason, Does.Contain("still being carried out"));

        // HDR, SK {N(TEMPORARY_FAILURE, ESP, SPI)} -->
        var refusal = MpsaRefusal.Temporary(put.Spi, "the kernel refused the inbound state");
        var answer = pair.Initiator.AnswerMpsaPut(received.MessageId, refusal, pair.Now);
        Assert.That(answer.Send, Has.Count.EqualTo(1));
        Assert.That(pair.Initiator.AnswerMpsaPut(received.MessageId, null, pair.Now).Send, Is.Empty, "answered once");

        // a later copy of the request gets the cached answer, byte for byte
        var late = pair.Initiator.Receive(request, Pair.Controller, pair.Now);
        Assert.That(late.Send.Single().Datagram, Is.EqualTo(answer.Send[0].Datagram));

        pair.FromResponder(pair.Responder.Receive(answer.Send[0].Datagram, Pair.Cpe, pair.Now));
        var ack = pair.Single<MpsaAcknowledged>(pair.ResponderEvents);
        Assert.That((ack.Error, ack.RefusedSpi), Is.EqualTo(((NotifyType?)NotifyType.TEMPORARY_FAILURE, (EspSpi?)put.Spi)));
        foreach (var p in received.Puts)
        {
            p.Dispose();
        }
    }

    [Test]
    public void ReportsAnSaThatFailedAfterItWasAcceptedAndTheControllerHearsIt()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();

        // HDR, SK {N(TEMPORARY_FAILURE, ESP, SPI)} -->   <-- HDR, SK {}
        pair.FromInitiator(pair.Initiator.ReportRefusal(MpsaRefusal.Temporary(new EspSpi(0xc0000401), "outbound refused at ROLL1"), pair.Now));
        pair.Deliver();

        var reported = pair.Single<MpsaRefusalReported>(pair.ResponderEvents);
        Assert.That((reported.Spi, reported.Error), Is.EqualTo((new EspSpi(0xc0000401), NotifyType.TEMPORARY_FAILURE)));
        Assert.That(pair.Initiator.NextDeadline, Is.Null, "the controller answered the report");
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
    }

    [Test]
    public void RefusesAMessageWhoseSecondSaDoesNotDecodeWithoutHandingOutTheFirst()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        using var good = MpsaPutSamples.Make(0xc0000501);
        using var bad = MpsaPutSamples.Make(0xc0000502, nonceLength: 8);

        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [good, bad], pair.Now));
        pair.Deliver();

        Assert.That(pair.InitiatorEvents.OfType<MpsaReceived>(), Is.Empty, "all or nothing");
        var ack = pair.Single<MpsaAcknowledged>(pair.ResponderEvents);
        Assert.That((ack.Error, ack.RefusedSpi), Is.EqualTo(((NotifyType?)NotifyType.INVALID_SYNTAX, (EspSpi?)bad.Spi)));
    }
}
