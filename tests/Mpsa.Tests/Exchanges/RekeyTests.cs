using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>CREATE_CHILD_SA rekeying (RFC 7296 §1.3.2, §1.3.3, §2.8, §2.18) between the two machines, hop by hop.</summary>
public class RekeyTests
{
    private static IEnumerable<TestCaseData> EverySuite() => Suites.All().Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    private static IEnumerable<TestCaseData> SomeSuites() => new[] { 0, 13, 40, Suites.All().Count() - 1 }
        .Select(i => Suites.All().ElementAt(i)).Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    [TestCaseSource(nameof(EverySuite))]
    public void RekeysIkeSaStartedByTheCpeWithSuite(IkeSuite suite) => RekeysIkeSa(suite, byCpe: true);

    [TestCaseSource(nameof(SomeSuites))]
    public void RekeysIkeSaStartedByTheControllerWithSuite(IkeSuite suite) => RekeysIkeSa(suite, byCpe: false);

    private static void RekeysIkeSa(IkeSuite suite, bool byCpe)
    {
        using var pair = new Pair(suite);
        pair.Establish();
        var up = pair.Single<IkeSaEstablished>(pair.ResponderEvents);
        byte[] oldSkD = pair.Initiator.Keys!.SkD.Span.ToArray();
        byte[] lastToResponder = pair.Wire.Last(w => w.ToResponder).Datagram;
        byte[] lastToInitiator = pair.Wire.Last(w => !w.ToResponder).Datagram;
        int sent = pair.Wire.Count;

        // HDR, SK {SA, Ni, KEi} -->  <-- HDR, SK {SA, Nr, KEr}      (from either side, on the old SA)
        // HDR, SK {D(IKE)} -->  <-- HDR, SK {}                        (the rekey initiator closes the old SA)
        Rekey(pair, byCpe, up.SpiR);
        var rekeyedI = pair.Single<IkeSaRekeyed>(pair.InitiatorEvents);
        var rekeyedR = pair.Single<IkeSaRekeyed>(pair.ResponderEvents);
        Assert.Multiple(() =>
        {
            Assert.That(pair.Wire, Has.Count.EqualTo(sent + 4), "rekey and delete, no retransmission");
            Assert.That((rekeyedI.NewSpiI, rekeyedI.NewSpiR), Is.EqualTo((rekeyedR.NewSpiI, rekeyedR.NewSpiR)));
            Assert.That((rekeyedI.OldSpiI, rekeyedI.OldSpiR), Is.EqualTo((up.SpiI, up.SpiR)));
            Assert.That(rekeyedI.NewSpiI, Is.Not.EqualTo(up.SpiI));
            Assert.That(rekeyedI.NewSpiR, Is.Not.EqualTo(up.SpiR));
            Assert.That(rekeyedR.OldHandle, Is.EqualTo(up.SpiR));
            Assert.That(rekeyedI.NewHandle, Is.EqualTo(rekeyedR.NewHandle));
            // §3.1: the I flag follows the last rekey: its initiator's SPI is the new SPIi
            Assert.That(rekeyedR.NewHandle, Is.EqualTo(byCpe ? rekeyedR.NewSpiR : rekeyedR.NewSpiI));
            Assert.That(rekeyedI.StartedByPeer, Is.EqualTo(!byCpe));
            Assert.That(rekeyedR.StartedByPeer, Is.EqualTo(byCpe));
            Assert.That(rekeyedI.Suite, Is.EqualTo(suite));
            Assert.That(rekeyedI.KeyFingerprint, Is.EqualTo(rekeyedR.KeyFingerprint), "SK_* match across sides");
            Assert.That(pair.Initiator.SpiR, Is.EqualTo(rekeyedI.NewHandle));
            Assert.That(pair.ResponderEvents.OfType<PeerGone>(), Is.Empty);
            Assert.That(pair.InitiatorEvents.OfType<PeerGone>(), Is.Empty);
            Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));
        });
        AssertKeysMatch(pair, rekeyedR.NewHandle, oldSkD);

        // the old SA is gone on both sides: its last requests are no longer answered
        var droppedR = pair.Responder.Receive(lastToResponder, Pair.Cpe, pair.Now);
        var droppedI = pair.Initiator.Receive(lastToInitiator, Pair.Controller, pair.Now);
        Assert.That(droppedR.Send, Is.Empty);
        Assert.That(droppedR.Events.Single(), Is.InstanceOf<MessageDropped>());
        Assert.That(droppedI.Send, Is.Empty);
        Assert.That(droppedI.Events.Single(), Is.InstanceOf<MessageDropped>());

        PushAndCheckLiveness(pair, rekeyedR.NewHandle);
    }

    internal static void Rekey(Pair pair, bool byCpe, IkeSpi handle)
    {
        if (byCpe)
        {
            pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        }
        else
        {
            pair.FromResponder(pair.Responder.RekeyIkeSa(handle, pair.Now));
        }
        pair.Deliver();
    }

    /// <summary>Both ends hold the same SK_* for the new SA, and it is not the old SA's.</summary>
    private static void AssertKeysMatch(Pair pair, IkeSpi handle, byte[] oldSkD)
    {
        var i = pair.Initiator.Keys!;
        var r = pair.Responder.KeysOf(handle)!;
        Assert.Multiple(() =>
        {
            foreach (var (a, b) in new[] { (i.SkD, r.SkD), (i.SkAi, r.SkAi), (i.SkAr, r.SkAr), (i.SkEi, r.SkEi), (i.SkEr, r.SkEr), (i.SkPi, r.SkPi), (i.SkPr, r.SkPr) })
            {
                Assert.That(a.Span.ToArray(), Is.EqualTo(b.Span.ToArray()));
            }
            Assert.That(i.SkD.Span.ToArray(), Is.Not.EqualTo(oldSkD));
        });
    }

    /// <summary>&lt;-- HDR, SK {N(MPSA_PUT)}   HDR, SK {} --> ; then liveness both ways, on the SA in use.</summary>
    internal static void PushAndCheckLiveness(Pair pair, IkeSpi handle)
    {
        pair.InitiatorEvents.Clear();
        pair.ResponderEvents.Clear();
        using var put = MpsaPutSamples.Make(0xc0000201);
        pair.FromResponder(pair.Responder.SendMpsaPut(handle, [put], pair.Now));
        pair.Deliver();
        using var received = pair.Single<MpsaReceived>(pair.InitiatorEvents).Puts[0];
        var ack = pair.Single<MpsaAcknowledged>(pair.ResponderEvents);
        Assert.That(ack.SpiR, Is.EqualTo(handle));
        Assert.That(ack.Error, Is.Null);
        pair.FromInitiator(pair.Initiator.CheckLiveness(pair.Now));
        pair.FromResponder(pair.Responder.CheckLiveness(handle, pair.Now));
        pair.Deliver();
        Assert.That(pair.InitiatorEvents.OfType<LivenessConfirmed>().Count(), Is.EqualTo(1));
        Assert.That(pair.ResponderEvents.OfType<LivenessConfirmed>().Single().SpiR, Is.EqualTo(handle));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void RekeysChildSaStartedByEitherSide(bool byCpe)
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        var handle = pair.ResponderSpi;
        var oldI = pair.Initiator.ChildSa!;
        var (oldInI, oldOutI) = (oldI.InboundSpi, oldI.OutboundSpi);

        // HDR, SK {N(REKEY_SA, ESP, old inbound), N(USE_TRANSPORT_MODE), SA, Ni, TSi, TSr} -->
        //                                        <-- HDR, SK {N(USE_TRANSPORT_MODE), SA, Nr, TSi, TSr}
        // HDR, SK {D(ESP, old inbound)} -->      <-- HDR, SK {D(ESP, the peer's old inbound)}
        pair.FromInitiator(byCpe ? pair.Initiator.RekeyChildSa(pair.Now) : Step.None);
        pair.FromResponder(byCpe ? Step.None : pair.Responder.RekeyChildSa(handle, pair.Now));
        pair.Deliver();

        var request = IkeMessage.Decode(pair.Wire[4].Datagram);
        Assert.That(request.Header.Exchange, Is.EqualTo(ExchangeType.CREATE_CHILD_SA));
        var rekeyedI = pair.Single<ChildSaRekeyed>(pair.InitiatorEvents);
        var rekeyedR = pair.Single<ChildSaRekeyed>(pair.ResponderEvents);
        var (newI, newR) = (rekeyedI.New, rekeyedR.New);
        Assert.Multiple(() =>
        {
            Assert.That(rekeyedI.Old.InboundSpi, Is.EqualTo(oldInI));
            Assert.That(newI.InboundSpi, Is.Not.EqualTo(oldInI));
            Assert.That(newI.OutboundSpi, Is.Not.EqualTo(oldOutI));
            Assert.That(newI.OutboundSpi, Is.EqualTo(newR.InboundSpi));
            Assert.That(newR.OutboundSpi, Is.EqualTo(newI.InboundSpi));
            Assert.That(newI.TransportMode && newR.TransportMode, Is.True);
            Assert.That(newI.Suite, Is.EqualTo(oldI.Suite));
            Assert.That(newI.Outbound.EncrKey.Span.ToArray(), Is.EqualTo(newR.Inbound.EncrKey.Span.ToArray()));
            Assert.That(newI.Outbound.IntegKey.Span.ToArray(), Is.EqualTo(newR.Inbound.IntegKey.Span.ToArray()));
            Assert.That(newI.Inbound.EncrKey.Span.ToArray(), Is.EqualTo(newR.Outbound.EncrKey.Span.ToArray()));
            Assert.That(newI.Inbound.EncrKey.Span.ToArray(), Is.Not.EqualTo(newI.Outbound.EncrKey.Span.ToArray()));
            Assert.That(pair.Initiator.ChildSa, Is.SameAs(newI));
            // the old one is deleted on both sides, each naming the peer's inbound SPI (our outbound)
            Assert.That(pair.Single<ChildSaDeleted>(pair.InitiatorEvents).PeerSpis, Is.EqualTo(new[] { oldOutI }));
            Assert.That(pair.Single<ChildSaDeleted>(pair.ResponderEvents).PeerSpis, Is.EqualTo(new[] { oldInI }));
            Assert.That(pair.Wire, Has.Count.EqualTo(8));
        });
        // the events come in order: the new CHILD_SA is installed before the old one goes
        var eventsI = pair.InitiatorEvents;
        Assert.That(eventsI.IndexOf(rekeyedI), Is.LessThan(eventsI.FindIndex(e => e is ChildSaDeleted)));

        // a second rekey works on the new one
        pair.FromInitiator(pair.Initiator.RekeyChildSa(pair.Now));
        pair.Deliver();
        Assert.That(pair.InitiatorEvents.OfType<ChildSaRekeyed>().Count(), Is.EqualTo(2));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ResolvesIkeSaRekeyCollision(bool cpeSeesItsAnswerFirst)
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        var handle = pair.ResponderSpi;
        byte[]? heldRequest = null;
        if (cpeSeesItsAnswerFirst)
        {
            pair.Drop = (toResponder, d) => !toResponder && heldRequest is null && IsRequest(d, ExchangeType.CREATE_CHILD_SA)
                && (heldRequest = d) is not null;
        }

        // HDR, SK {SA, Ni, KEi} -->            <-- HDR, SK {SA, Ni', KEi'}     (both at once, §2.8.2)
        pair.FromResponder(pair.Responder.RekeyIkeSa(handle, pair.Now));
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        if (cpeSeesItsAnswerFirst)
        {
            // the controller's request is late: the CPE completes its own rekey before it sees it
            pair.DeliverNext();   // HDR, SK {SA, Ni, KEi} --> : held by the controller, whose own rekey is in flight
            pair.DeliverNext();   // <-- HDR, SK {SA, Nr, KEr} : the CPE switches and closes the old SA
            var inFlight = pair.TakeInFlight();
            pair.Inject(false, heldRequest!);   // <-- HDR, SK {SA, Ni', KEi'} on the SA being closed: TEMPORARY_FAILURE
            foreach (var (toResponder, d) in inFlight)
            {
                pair.Inject(toResponder, d);    // HDR, SK {D(IKE)} --> : the controller takes the CPE's SA, forgets its own rekey
            }
        }
        pair.Drop = (_, _) => false;
        pair.Deliver();

        var rekeyedI = pair.Single<IkeSaRekeyed>(pair.InitiatorEvents);
        var rekeyedR = pair.Single<IkeSaRekeyed>(pair.ResponderEvents);
        Assert.Multiple(() =>
        {
            Assert.That((rekeyedI.NewSpiI, rekeyedI.NewSpiR), Is.EqualTo((rekeyedR.NewSpiI, rekeyedR.NewSpiR)));
            Assert.That(rekeyedI.KeyFingerprint, Is.EqualTo(rekeyedR.KeyFingerprint));
            Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));
            Assert.That(pair.ResponderEvents.OfType<PeerGone>(), Is.Empty);
            Assert.That(pair.InitiatorEvents.OfType<PeerGone>(), Is.Empty);
        });
        if (cpeSeesItsAnswerFirst)
        {
            // the controller's own rekey is forgotten when the CPE closes the SA it was for (§2.25.2)
            Assert.That(pair.Single<IkeSaRekeyFailed>(pair.ResponderEvents).SpiR, Is.EqualTo(rekeyedR.OldHandle));
        }
        else
        {
            // both saw both exchanges: the one holding the lowest nonce lost, and exactly one SA survived
            Assert.That(rekeyedI.StartedByPeer, Is.Not.EqualTo(rekeyedR.StartedByPeer));
        }
        AssertQuiet(pair);
        AssertKeysMatch(pair, rekeyedR.NewHandle, []);
        PushAndCheckLiveness(pair, rekeyedR.NewHandle);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ResolvesChildSaRekeyCollision(bool cpeSeesItsAnswerFirst)
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        var handle = pair.ResponderSpi;
        var old = pair.Initiator.ChildSa!;
        var (oldIn, oldOut) = (old.InboundSpi, old.OutboundSpi);
        byte[]? heldRequest = null;
        if (cpeSeesItsAnswerFirst)
        {
            pair.Drop = (toResponder, d) => !toResponder && heldRequest is null && IsRequest(d, ExchangeType.CREATE_CHILD_SA)
                && (heldRequest = d) is not null;
        }

        // HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr} -->    <-- HDR, SK {N(REKEY_SA), SA, Ni', TSi, TSr}   (§2.8.1)
        pair.FromResponder(pair.Responder.RekeyChildSa(handle, pair.Now));
        pair.FromInitiator(pair.Initiator.RekeyChildSa(pair.Now));
        if (cpeSeesItsAnswerFirst)
        {
            pair.DeliverNext();   // the CPE's request: held by the controller, whose own rekey is in flight
            pair.DeliverNext();   // its answer: the CPE installs its CHILD_SA and deletes the old one
            var inFlight = pair.TakeInFlight();
            pair.Inject(false, heldRequest!);   // the controller's request, for a CHILD_SA being deleted: TEMPORARY_FAILURE
            foreach (var (toResponder, d) in inFlight)
            {
                pair.Inject(toResponder, d);
            }
        }
        pair.Drop = (_, _) => false;
        pair.Deliver();

        var childI = pair.Initiator.ChildSa!;
        var rekeyedR = pair.ResponderEvents.OfType<ChildSaRekeyed>().Last();
        Assert.Multiple(() =>
        {
            Assert.That(childI.OutboundSpi, Is.EqualTo(rekeyedR.New.InboundSpi));
            Assert.That(childI.InboundSpi, Is.EqualTo(rekeyedR.New.OutboundSpi));
            Assert.That(childI.Outbound.EncrKey.Span.ToArray(), Is.EqualTo(rekeyedR.New.Inbound.EncrKey.Span.ToArray()));
            Assert.That(childI.InboundSpi, Is.Not.EqualTo(oldIn));
            // the old CHILD_SA is gone on both sides
            Assert.That(pair.InitiatorEvents.OfType<ChildSaDeleted>().SelectMany(d => d.PeerSpis), Does.Contain(oldOut));
            Assert.That(pair.ResponderEvents.OfType<ChildSaDeleted>().SelectMany(d => d.PeerSpis), Does.Contain(oldIn));
        });
        AssertQuiet(pair);
        // a later rekey finds nothing left over
        pair.FromInitiator(pair.Initiator.RekeyChildSa(pair.Now));
        pair.Deliver();
        Assert.That(pair.InitiatorEvents.OfType<ChildSaRekeyFailed>().Where(f => f.Notify is null && f.Reason.Contains("progress")), Is.Empty);
        Assert.That(pair.Initiator.ChildSa!.InboundSpi, Is.Not.EqualTo(childI.InboundSpi));
    }

    [Test]
    public void KeepsEveryMpsaAcknowledgementAcrossAnIkeSaRekey()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        var handle = pair.ResponderSpi;
        using var first = MpsaPutSamples.Make(0xc0000301);
        using var second = MpsaPutSamples.Make(0xc0000302);
        using var third = MpsaPutSamples.Make(0xc0000303);

        // <-- HDR, SK {N(MPSA_PUT)} in flight on the old SA while the CPE rekeys:
        // <-- N(MPSA_PUT)(1) ; HDR, SK {SA, Ni, KEi} --> ; HDR, SK {} --> (1) ; <-- HDR, SK {SA, Nr, KEr}
        pair.FromResponder(pair.Responder.SendMpsaPut(handle, [first], pair.Now));
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        pair.Deliver();
        var rekeyed = pair.Single<IkeSaRekeyed>(pair.ResponderEvents);
        var ack1 = pair.Single<MpsaAcknowledged>(pair.ResponderEvents);
        Assert.That(ack1.Spis, Is.EqualTo(new[] { first.Spi }));
        Assert.That(ack1.SpiR, Is.EqualTo(rekeyed.NewHandle), "answers finished on the old SA name the session by its new SPI");

        // and the controller rekeys with one push in flight and one queued behind the rekey:
        // <-- N(MPSA_PUT)(2) on the SA, CREATE_CHILD_SA queued, N(MPSA_PUT)(3) queued: (3) moves to the new SA
        pair.ResponderEvents.Clear();
        pair.FromResponder(pair.Responder.SendMpsaPut(rekeyed.NewHandle, [second], pair.Now));
        pair.FromResponder(pair.Responder.RekeyIkeSa(rekeyed.NewHandle, pair.Now));
        pair.FromResponder(pair.Responder.SendMpsaPut(rekeyed.NewHandle, [third], pair.Now));
        pair.Deliver();
        var again = pair.Single<IkeSaRekeyed>(pair.ResponderEvents);
        var acks = pair.ResponderEvents.OfType<MpsaAcknowledged>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(acks.SelectMany(a => a.Spis), Is.EqualTo(new[] { second.Spi, third.Spi }));
            Assert.That(acks.All(a => a.Error is null));
            Assert.That(acks[1].SpiR, Is.EqualTo(again.NewHandle));
            Assert.That(pair.InitiatorEvents.OfType<MpsaReceived>().Count(), Is.EqualTo(3));
        });
        AssertQuiet(pair);
        // the third push went on the new SA, as its first request (message ID 0, RFC 7296 §2.18)
        var onNewSa = pair.Wire.Where(w => !w.ToResponder && IsRequest(w.Datagram, ExchangeType.INFORMATIONAL)
            && IkeHeader.TryPeek(w.Datagram, out var h) && h.SpiI == again.NewSpiI && h.SpiR == again.NewSpiR).ToList();
        Assert.That(onNewSa.Select(w => IkeMessage.Decode(w.Datagram).Header.MessageId), Is.EqualTo(new[] { 0u }));
        PushAndCheckLiveness(pair, again.NewHandle);
    }

    [Test]
    public void ReplaysCachedAnswerWhenRekeyAnswerIsLost()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        bool lost = false;
        pair.Drop = (toResponder, d) => !toResponder && !lost && IsResponse(d, ExchangeType.CREATE_CHILD_SA) && (lost = true);

        // HDR, SK {SA, Ni, KEi} -->  <-- (lost) ; 2 s later the same bytes -->  <-- the cached answer, unchanged
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        pair.Drive(() => pair.InitiatorEvents.OfType<IkeSaRekeyed>().Any());
        pair.Deliver();
        var requests = pair.Wire.Where(w => w.ToResponder && IsRequest(w.Datagram, ExchangeType.CREATE_CHILD_SA)).ToList();
        var answers = pair.Wire.Where(w => !w.ToResponder && IsResponse(w.Datagram, ExchangeType.CREATE_CHILD_SA)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[1].Datagram, Is.EqualTo(requests[0].Datagram), "retransmitted unchanged");
            Assert.That(answers, Has.Count.EqualTo(2));
            Assert.That(answers[1].Datagram, Is.EqualTo(answers[0].Datagram), "replayed from the cache");
            Assert.That(pair.ResponderEvents.OfType<IkeSaRekeyed>().Count(), Is.EqualTo(1));
            Assert.That(pair.InitiatorEvents.OfType<IkeSaRekeyed>().Count(), Is.EqualTo(1));
        });
        PushAndCheckLiveness(pair, pair.ResponderSpi);
    }

    [Test]
    public void RetriesIkeSaRekeyWithTheGroupThePeerAsksFor()
    {
        var modp = Suites.Default with { Dh = DhGroup.MODP_2048 };
        var acceptable = new List<IkeSuite> { Suites.Default, modp };
        using var pair = new Pair(Suites.Default, i => i.Proposals = [Suites.Default, modp], r => r.Proposals = acceptable);
        pair.Establish();
        acceptable.Remove(Suites.Default);   // the controller's policy changed (a reload)

        // HDR, SK {SA, Ni, KEi(31)} -->  <-- HDR, SK {N(INVALID_KE_PAYLOAD, 14)}
        // HDR, SK {SA, Ni, KEi(14)} -->  <-- HDR, SK {SA, Nr, KEr(14)}
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        pair.Deliver();
        var rekeyed = pair.Single<IkeSaRekeyed>(pair.InitiatorEvents);
        Assert.That(rekeyed.Suite, Is.EqualTo(modp));
        Assert.That(pair.Single<IkeSaRekeyed>(pair.ResponderEvents).KeyFingerprint, Is.EqualTo(rekeyed.KeyFingerprint));
        Assert.That(pair.Wire.Count(w => w.ToResponder && IsRequest(w.Datagram, ExchangeType.CREATE_CHILD_SA)), Is.EqualTo(2));
        PushAndCheckLiveness(pair, rekeyed.NewHandle);
    }

    [Test]
    public void KeepsTheOldSasWhenTheRekeyIsRefused()
    {
        var other = Suites.Default with { Prf = PrfId.PRF_HMAC_SHA2_512 };
        var acceptable = new List<IkeSuite> { Suites.Default };
        var esp = new List<EspSuite>(Suites.Esp);
        using var pair = new Pair(Suites.Default, responder: r => { r.Proposals = acceptable; r.ChildProposals = esp; });
        pair.Establish();
        var handle = pair.ResponderSpi;
        acceptable[0] = other;
        esp.Clear();
        esp.Add(new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_512_256));

        // HDR, SK {SA, Ni, KEi} -->  <-- HDR, SK {N(NO_PROPOSAL_CHOSEN)}
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        pair.Deliver();
        // HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr} -->  <-- HDR, SK {N(NO_PROPOSAL_CHOSEN)}
        pair.FromInitiator(pair.Initiator.RekeyChildSa(pair.Now));
        pair.Deliver();
        Assert.Multiple(() =>
        {
            Assert.That(pair.Single<IkeSaRekeyFailed>(pair.InitiatorEvents).Notify, Is.EqualTo(NotifyType.NO_PROPOSAL_CHOSEN));
            Assert.That(pair.Single<ChildSaRekeyFailed>(pair.InitiatorEvents).Notify, Is.EqualTo(NotifyType.NO_PROPOSAL_CHOSEN));
            Assert.That(pair.InitiatorEvents.OfType<IkeSaRekeyed>(), Is.Empty);
            Assert.That(pair.InitiatorEvents.OfType<ChildSaRekeyed>(), Is.Empty);
            Assert.That(pair.ResponderEvents.OfType<ChildSaDeleted>(), Is.Empty);
            Assert.That(pair.ResponderSpi, Is.EqualTo(handle));
        });
        PushAndCheckLiveness(pair, handle);
    }

    [Test]
    public void ComparesNoncesOctetByOctet()
    {
        Assert.That(CreateChildSa.HoldsLowestNonce([1, 2], [9], [1, 3], [5]), Is.True);
        Assert.That(CreateChildSa.HoldsLowestNonce([7], [9], [1, 3], [8]), Is.False);
        // octet by octet, not by length first (§2.8.1)
        Assert.That(CreateChildSa.HoldsLowestNonce([0, 0, 0, 9], [255], [1], [255]), Is.True);
    }

    /// <summary>Nothing is left in flight: old and redundant SAs are deleted, no request waits for an answer.</summary>
    internal static void AssertQuiet(Pair pair)
    {
        int sent = pair.Wire.Count;
        pair.Drive(() => false, TimeSpan.FromMinutes(5));
        Assert.That(pair.Wire, Has.Count.EqualTo(sent), Dump(pair));
        Assert.That(pair.InitiatorEvents.OfType<PeerGone>().Concat(pair.ResponderEvents.OfType<PeerGone>()), Is.Empty);
    }

    private static string Dump(Pair pair) => string.Join("\n", pair.Wire.Select(w => IkeHeader.TryPeek(w.Datagram, out var h)
        ? $"{w.At} {(w.ToResponder ? "->" : "<-")} {h.Exchange} {(h.IsResponse ? "resp" : "req")} id={h.MessageId} {h.SpiI}/{h.SpiR} I={h.IsFromInitiator}" : "?"))
        + "\nI: " + string.Join(", ", pair.InitiatorEvents.Select(e => e.GetType().Name + (e is MessageDropped m ? "(" + m.Reason + ")" : "")))
        + "\nR: " + string.Join(", ", pair.ResponderEvents.Select(e => e.GetType().Name + (e is MessageDropped m ? "(" + m.Reason + ")" : "")));

    internal static bool IsRequest(byte[] d, ExchangeType exchange) =>
        IkeHeader.TryPeek(d, out var h) && !h.IsResponse && h.Exchange == exchange;

    internal static bool IsResponse(byte[] d, ExchangeType exchange) =>
        IkeHeader.TryPeek(d, out var h) && h.IsResponse && h.Exchange == exchange;
}
