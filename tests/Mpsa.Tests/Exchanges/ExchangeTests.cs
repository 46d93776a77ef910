using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>Initiator and responder driven against each other in memory, hop by hop in RFC 7296 notation.</summary>
public class ExchangeTests
{
    private static IEnumerable<TestCaseData> EverySuite() => Suites.All().Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    [TestCaseSource(nameof(EverySuite))]
    public void RunsInitAuthMpsaPutLivenessAndDeleteWithSuite(IkeSuite suite)
    {
        using var pair = new Pair(suite);

        // HDR, SAi1, KEi, Ni, V(MPSA) -->  <-- HDR, SAr1, KEr, Nr, V(MPSA)
        // HDR, SK {IDi, N(INITIAL_CONTACT), IDr, AUTH, N(USE_TRANSPORT_MODE), SAi2, TSi, TSr} -->  <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
        pair.Establish();
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        var up = pair.Single<IkeSaEstablished>(pair.InitiatorEvents);
        var upR = pair.Single<IkeSaEstablished>(pair.ResponderEvents);
        Assert.Multiple(() =>
        {
            Assert.That(up.Suite, Is.EqualTo(suite));
            Assert.That(upR.Suite, Is.EqualTo(suite));
            Assert.That((up.SpiI, up.SpiR), Is.EqualTo((upR.SpiI, upR.SpiR)));
            Assert.That(up.PeerIdentity, Is.EqualTo(Pair.ControllerId));
            Assert.That(upR.PeerIdentity, Is.EqualTo(Pair.CpeId));
            Assert.That(up.PeerSupportsMpsa && upR.PeerSupportsMpsa, Is.True);
            Assert.That(pair.Wire, Has.Count.EqualTo(4), "four messages, no retransmission");
        });

        var childI = pair.Single<ChildSaEstablished>(pair.InitiatorEvents).ChildSa;
        var childR = pair.Single<ChildSaEstablished>(pair.ResponderEvents).ChildSa;
        Assert.Multiple(() =>
        {
            Assert.That(childI.Suite, Is.EqualTo(Suites.Esp[0]));
            Assert.That(childI.TransportMode && childR.TransportMode, Is.True);
            Assert.That(childI.OutboundSpi, Is.EqualTo(childR.InboundSpi));
            Assert.That(childR.OutboundSpi, Is.EqualTo(childI.InboundSpi));
            Assert.That(childI.Outbound.EncrKey.Span.ToArray(), Is.EqualTo(childR.Inbound.EncrKey.Span.ToArray()));
            Assert.That(childI.Outbound.IntegKey.Span.ToArray(), Is.EqualTo(childR.Inbound.IntegKey.Span.ToArray()));
            Assert.That(childI.Inbound.EncrKey.Span.ToArray(), Is.EqualTo(childR.Outbound.EncrKey.Span.ToArray()));
            Assert.That(childI.Inbound.EncrKey.Span.ToArray(), Is.Not.EqualTo(childI.Outbound.EncrKey.Span.ToArray()));
        });

        // <-- HDR, SK {N(MPSA_PUT)}   HDR, SK {} -->
        using var put = MpsaPutSamples.Make(0xc0000101);
        pair.FromResponder(pair.Responder.SendMpsaPut(upR.SpiR, [put], pair.Now));
        pair.Deliver();
        using var received = pair.Single<MpsaReceived>(pair.InitiatorEvents).Puts[0];
        Assert.That(received.Spi, Is.EqualTo(put.Spi));
        Assert.That(received.SkD.Span.ToArray(), Is.EqualTo(put.SkD.Span.ToArray()));
        Assert.That(received.Nonce, Is.EqualTo(put.Nonce));
        var ack = pair.Single<MpsaAcknowledged>(pair.ResponderEvents);
        Assert.That(ack.Spis, Is.EqualTo(new[] { put.Spi }));
        Assert.That(ack.Error, Is.Null);

        // Liveness both ways: HDR, SK {} -->  <-- HDR, SK {}
        pair.FromInitiator(pair.Initiator.CheckLiveness(pair.Now));
        pair.FromResponder(pair.Responder.CheckLiveness(upR.SpiR, pair.Now));
        pair.Deliver();
        Assert.That(pair.InitiatorEvents.OfType<LivenessConfirmed>().Count(), Is.EqualTo(1));
        Assert.That(pair.ResponderEvents.OfType<LivenessConfirmed>().Count(), Is.EqualTo(1));

        // HDR, SK {D} -->  <-- HDR, SK {}
        pair.FromInitiator(pair.Initiator.Close(pair.Now));
        pair.Deliver();
        Assert.That(pair.Single<PeerGone>(pair.InitiatorEvents).Reason, Is.EqualTo(PeerGoneReason.Closed));
        Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.DeletedByPeer));
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Gone));
        Assert.That(pair.Responder.EstablishedCount, Is.Zero);
    }

    [Test]
    public void RetriesWithCookieWhenResponderAsks()
    {
        using var pair = new Pair(Suites.Default, responder: r => r.CookieThreshold = 0);
        pair.Establish();
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        // HDR, SAi1, KEi, Ni -->  <-- HDR, N(COOKIE)   HDR, N(COOKIE), SAi1, KEi, Ni -->  <-- HDR, SAr1, KEr, Nr ...
        var first = IkeMessage.Decode(pair.Wire[1].Datagram);
        Assert.That(first.Payloads.Single(), Is.InstanceOf<NotifyPayload>().With.Property("NotifyType").EqualTo(NotifyType.COOKIE));
        var retry = IkeMessage.Decode(pair.Wire[2].Datagram);
        Assert.That(retry.Payloads[0], Is.InstanceOf<NotifyPayload>().With.Property("NotifyType").EqualTo(NotifyType.COOKIE));
        Assert.That(pair.Wire, Has.Count.EqualTo(6));
    }

    [Test]
    public void RetriesWithTheGroupTheResponderAsksFor()
    {
        var modp = Suites.Default with { Dh = DhGroup.MODP_2048 };
        using var pair = new Pair(Suites.Default, i => i.Proposals = [Suites.Default, modp], r => r.Proposals = [modp]);
        pair.Establish();
        // HDR, SAi1, KEi(31), Ni -->  <-- HDR, N(INVALID_KE_PAYLOAD, 14)   HDR, SAi1, KEi(14), Ni -->  <-- HDR, SAr1, KEr(14), Nr
        var invalidKe = IkeMessage.Decode(pair.Wire[1].Datagram).FindNotify(NotifyType.INVALID_KE_PAYLOAD);
        Assert.That(invalidKe!.Data, Is.EqualTo(new byte[] { 0, 14 }));
        Assert.That(IkeMessage.Decode(pair.Wire[2].Datagram).Find<KeyExchangePayload>()!.Group, Is.EqualTo(DhGroup.MODP_2048));
        Assert.That(pair.Single<IkeSaEstablished>(pair.InitiatorEvents).Suite, Is.EqualTo(modp));
    }

    [Test]
    public void GivesUpWithNoProposalChosen()
    {
        var other = Suites.Default with { Prf = PrfId.PRF_HMAC_SHA2_512 };
        using var pair = new Pair(Suites.Default, responder: r => r.Proposals = [other]);
        pair.Establish();
        Assert.That(pair.Single<PeerGone>(pair.InitiatorEvents).Reason, Is.EqualTo(PeerGoneReason.NoProposalChosen));
    }

    [Test]
    public void FailsAuthenticationWithWrongPsk()
    {
        using var wrong = SecretBytes.CopyFrom("not the shared secret"u8);
        using var pair = new Pair(Suites.Default, i => i.Psk = wrong);
        pair.Establish();
        Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.AuthenticationFailed));
        Assert.That(pair.Single<PeerGone>(pair.InitiatorEvents).Reason, Is.EqualTo(PeerGoneReason.AuthenticationFailed));
        Assert.That(pair.Responder.EstablishedCount + pair.Responder.HalfOpenCount, Is.Zero);
    }

    [Test]
    public void RefusesResponderWithUnexpectedIdentity()
    {
        using var pair = new Pair(Suites.Default, i => i.RemoteIdentity = "other.example.net");
        pair.Establish();
        var gone = pair.Single<PeerGone>(pair.InitiatorEvents);
        Assert.That(gone.Reason, Is.EqualTo(PeerGoneReason.AuthenticationFailed));
    }

    [Test]
    public void RefusesPeerWithoutMpsaVendorId()
    {
        using var pair = new Pair(Suites.Default, i => i.SendMpsaVendorId = false);
        pair.Establish();
        Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.Refused));
        Assert.That(pair.Single<PeerGone>(pair.InitiatorEvents).Reason, Is.EqualTo(PeerGoneReason.AuthenticationFailed));
    }

    [Test]
    public void AcceptsPeerWithoutVendorIdWhenPolicyAllows()
    {
        using var pair = new Pair(Suites.Default, i => i.SendMpsaVendorId = false, r => r.RequireMpsaVendorId = false);
        pair.Establish();
        Assert.That(pair.Single<IkeSaEstablished>(pair.ResponderEvents).PeerSupportsMpsa, Is.False);
    }

    [Test]
    public void RetransmitsLostAuthResponseFromResponderCache()
    {
        using var pair = new Pair(Suites.Default);
        int authResponses = 0;
        pair.Drop = (toResponder, d) => !toResponder && IkeHeader.TryPeek(d, out var h) && h.Exchange == ExchangeType.IKE_AUTH && ++authResponses == 1;
        pair.Establish();
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        var auths = pair.Wire.Where(w => IkeHeader.TryPeek(w.Datagram, out var h) && h.Exchange == ExchangeType.IKE_AUTH).ToList();
        Assert.That(auths, Has.Count.EqualTo(4), "request, lost response, retransmitted request, cached response");
        Assert.That(auths[2].Datagram, Is.EqualTo(auths[0].Datagram), "the retransmission re-sends the same bytes");
        Assert.That(auths[3].Datagram, Is.EqualTo(auths[1].Datagram), "the responder replays its cached response");
        Assert.That(auths[2].At - auths[0].At, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(pair.ResponderEvents.OfType<IkeSaEstablished>().Count(), Is.EqualTo(1));
    }

    [Test]
    public void AnswersDuplicatedMpsaPutOnceFromCache()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        pair.Duplicate = (toResponder, _) => !toResponder;
        using var put = MpsaPutSamples.Make(0xc0000202);
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Deliver();
        Assert.That(pair.InitiatorEvents.OfType<MpsaReceived>().Count(), Is.EqualTo(1));
        Assert.That(pair.ResponderEvents.OfType<MpsaAcknowledged>().Count(), Is.EqualTo(1));
        var toResponder = pair.Wire.Where(w => w.ToResponder).Select(w => w.Datagram).TakeLast(2).ToList();
        Assert.That(toResponder[1], Is.EqualTo(toResponder[0]), "the duplicate got the cached response");
    }

    [Test]
    public void QueuesSecondRequestBehindTheFirst()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        using var a = MpsaPutSamples.Make(0xc0000301);
        using var b = MpsaPutSamples.Make(0xc0000302);
        int before = pair.Wire.Count;
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [a], pair.Now));
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [b], pair.Now));
        Assert.That(pair.Wire.Count - before, Is.EqualTo(1), "window size 1");
        pair.Deliver();
        var acks = pair.ResponderEvents.OfType<MpsaAcknowledged>().Select(x => x.Spis.Single()).ToList();
        Assert.That(acks, Is.EqualTo(new[] { a.Spi, b.Spi }));
        foreach (var r in pair.InitiatorEvents.OfType<MpsaReceived>())
        {
            r.Puts[0].Dispose();
        }
    }

    [Test]
    public void DeclaresPeerGoneAfterBackoff()
    {
        using var pair = new Pair(Suites.Default);
        pair.Drop = (toResponder, _) => true;
        pair.FromInitiator(pair.Initiator.Start(pair.Now));
        pair.Drive(() => pair.Initiator.Phase == InitiatorPhase.Gone);
        var sent = pair.Wire.Select(w => w.At.Milliseconds / 1000).ToList();
        Assert.That(sent, Is.EqualTo(new long[] { 0, 2, 6, 14, 30, 62 }), "2 s doubling, six transmissions");
        var gone = pair.Single<PeerGone>(pair.InitiatorEvents);
        Assert.That(gone.Reason, Is.EqualTo(PeerGoneReason.NoResponse));
        Assert.That(pair.Now.Milliseconds, Is.EqualTo(126_000));
    }

    [Test]
    public void DeclaresMemberGoneWhenMpsaPutIsNeverAnswered()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        pair.Drop = (toResponder, _) => true;
        using var put = MpsaPutSamples.Make(0xc0000401);
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Drive(() => pair.ResponderEvents.OfType<PeerGone>().Any());
        Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.NoResponse));
    }

    [Test]
    public void DropsTamperedProtectedMessage()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        using var put = MpsaPutSamples.Make(0xc0000501);
        var step = pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now);
        byte[] tampered = (byte[])step.Send[0].Datagram.Clone();
        tampered[^1] ^= 1;
        pair.FromInitiator(pair.Initiator.Receive(tampered, Pair.Controller, pair.Now));
        Assert.That(pair.InitiatorEvents.OfType<MpsaReceived>(), Is.Empty);
        Assert.That(pair.InitiatorEvents.OfType<MessageDropped>().Single().Reason, Does.Contain("integrity"));
        // The genuine message still goes through afterwards.
        pair.FromResponder(step);
        pair.Deliver();
        pair.Single<MpsaReceived>(pair.InitiatorEvents).Puts[0].Dispose();
    }

    [Test]
    public void ResponderDeletesMember()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        // <-- HDR, SK {D}   HDR, SK {} -->
        pair.FromResponder(pair.Responder.Delete(pair.ResponderSpi, pair.Now));
        pair.Deliver();
        Assert.That(pair.Single<PeerGone>(pair.InitiatorEvents).Reason, Is.EqualTo(PeerGoneReason.DeletedByPeer));
        Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.Closed));
    }

    [Test]
    public void ExpiresHalfOpenSa()
    {
        using var pair = new Pair(Suites.Default);
        pair.Drop = (toResponder, d) => toResponder && IkeHeader.TryPeek(d, out var h) && h.Exchange == ExchangeType.IKE_AUTH;
        pair.FromInitiator(pair.Initiator.Start(pair.Now));
        pair.Deliver();
        Assert.That(pair.Responder.HalfOpenCount, Is.EqualTo(1));
        pair.Drive(() => pair.Responder.HalfOpenCount == 0, TimeSpan.FromSeconds(31));
        Assert.That(pair.Responder.HalfOpenCount, Is.Zero);
        Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.HalfOpenExpired));
    }

    [Test]
    public void RejectsMalformedMpsaPutWithInvalidSyntax()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        using var put = MpsaPutSamples.Make(0xc0000601, nonceLength: 8);
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Deliver();
        Assert.That(pair.Single<MpsaRejected>(pair.InitiatorEvents).Reason, Does.Contain("nonce"));
        Assert.That(pair.Single<MpsaAcknowledged>(pair.ResponderEvents).Error, Is.EqualTo(NotifyType.INVALID_SYNTAX));
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
    }
}

internal static class MpsaPutSamples
{
    public static MpsaPut Make(uint spi, int nonceLength = 32)
    {
        var nonce = new byte[nonceLength];
        new Random((int)spi).NextBytes(nonce);
        var skd = new byte[32];
        new Random((int)spi + 1).NextBytes(skd);
        return new MpsaPut(new EspSpi(spi), EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256,
            nonce, SecretBytes.CopyFrom(skd), 3600, 30, 60);
    }
}
