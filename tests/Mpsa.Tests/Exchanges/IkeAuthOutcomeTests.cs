using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// Every way an IKE_AUTH can end leaves the IKE SA on both sides or on neither (RFC 7296 §2.21.2, §2.21.3): a CHILD_SA
/// that cannot be made is refused with a non-fatal Notify, and an IKE SA without one (RFC 6023) is an IKE SA all the
/// same. Where both keep it, it carries an MPSA_PUT and liveness checks both ways.
/// </summary>
public class IkeAuthOutcomeTests
{
    private sealed record Case(string Name, Action<InitiatorSettings>? Initiator, Action<ResponderSettings>? Responder, bool IkeSa, string Child);

    private static readonly EspSuite OtherEsp = new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA1_96);

    public static IEnumerable<string> CaseNames() => s_cases.Select(c => c.Name);

    private static readonly Case[] s_cases =
    [
        new("CHILD_SA made", null, null, IkeSa: true, Child: "made"),
        new("no CHILD_SA asked for, the responder takes that", i => i.RequestChildSa = false, null, IkeSa: true, Child: "none"),
        new("no CHILD_SA wanted, the responder does not take that: one is asked for", i => i.RequestChildSa = false,
            r => r.AcceptChildless = false, IkeSa: true, Child: "made"),
        new("ESP proposals disjoint", i => i.ChildProposals = [OtherEsp], null, IkeSa: true, Child: nameof(NotifyType.NO_PROPOSAL_CHOSEN)),
        new("traffic selectors refused", null, r => r.NarrowSelectors = (_, _) => null, IkeSa: true, Child: nameof(NotifyType.TS_UNACCEPTABLE)),
        new("wrong PSK", i => i.Psk = SecretBytes.CopyFrom("another secret of some length"u8), null, IkeSa: false, Child: "none"),
        new("the initiator asks for another responder identity", i => i.RemoteIdentity = "other.example.net", null, IkeSa: false, Child: "none"),
        new("no MPSA Vendor ID, and the responder requires it", i => i.SendMpsaVendorId = false, null, IkeSa: false, Child: "none"),
        new("no post-quantum key exchange, and the responder requires one", null, r => r.RequirePostQuantum = true, IkeSa: false, Child: "none"),
    ];

    [TestCaseSource(nameof(CaseNames))]
    public void BothSidesAgreeWhetherTheIkeSaExists(string name)
    {
        var c = s_cases.Single(c => c.Name == name);
        using var pair = new Pair(Suites.Default, c.Initiator, c.Responder);
        pair.Establish();
        pair.Drive(() => false, TimeSpan.FromSeconds(30));   // whatever either side still says about it

        bool initiatorHas = pair.Initiator.Phase == InitiatorPhase.Established;
        bool responderHas = pair.Responder.EstablishedCount == 1;
        Assert.Multiple(() =>
        {
            Assert.That((initiatorHas, responderHas), Is.EqualTo((c.IkeSa, c.IkeSa)), "IKE SA on (initiator, responder)");
            Assert.That(Child(pair.InitiatorEvents), Is.EqualTo(c.Child), "initiator's CHILD_SA");
            Assert.That(Child(pair.ResponderEvents), Is.EqualTo(c.Child), "responder's CHILD_SA");
            Assert.That(Connected(pair.ResponderEvents), Is.EqualTo(c.IkeSa),
                "responder: IkeSaEstablished not followed by PeerGone (what the controller counts as a connected member)");
        });
        if (!c.IkeSa)
        {
            Assert.That(pair.InitiatorEvents.OfType<PeerGone>().Count(), Is.EqualTo(1), "the initiator gave up once");
            return;
        }

        // the IKE SA works: HDR, SK {N(MPSA_PUT)} answered, then liveness both ways
        using var put = MpsaPutSamples.Make(0xc0000101);
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Deliver();
        pair.FromInitiator(pair.Initiator.CheckLiveness(pair.Now));
        pair.FromResponder(pair.Responder.CheckLiveness(pair.ResponderSpi, pair.Now));
        pair.Deliver();
        Assert.Multiple(() =>
        {
            Assert.That(pair.Single<MpsaAcknowledged>(pair.ResponderEvents).Spis, Is.EqualTo(new[] { put.Spi }));
            Assert.That(pair.InitiatorEvents.OfType<LivenessConfirmed>().Count(), Is.EqualTo(1));
            Assert.That(pair.ResponderEvents.OfType<LivenessConfirmed>().Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public void AChildlessIkeAuthCarriesNoSaOrSelectors()
    {
        using var pair = new Pair(Suites.Default, i => i.RequestChildSa = false);
        pair.Establish();
        var init = pair.Wire.First(w => !w.ToResponder).Datagram;
        var announced = IkeMessage.Decode(init).FindNotify(NotifyType.CHILDLESS_IKEV2_SUPPORTED);
        var up = pair.Single<IkeSaEstablished>(pair.ResponderEvents);
        Assert.Multiple(() =>
        {
            Assert.That(announced, Is.Not.Null, "IKE_SA_INIT response: N(CHILDLESS_IKEV2_SUPPORTED)");
            Assert.That(up.Childless && pair.Single<IkeSaEstablished>(pair.InitiatorEvents).Childless, Is.True);
            Assert.That(pair.Initiator.ChildSa, Is.Null);
            Assert.That(pair.ResponderEvents.OfType<ChildSaFailed>(), Is.Empty, "no CHILD_SA failure: none was asked for");
        });
    }

    [Test]
    public void AChildlessIkeAuthToAResponderThatDoesNotTakeItIsRefusedWholly()
    {
        // An initiator that leaves the CHILD_SA out regardless (charon's `--ike` alone does) gets INVALID_SYNTAX, alone:
        // no IDr, no AUTH, and no IKE SA on the responder's side either.
        var (response, outcome) = ProcessIkeAuth(withSaOnly: false, acceptChildless: false);
        Assert.Multiple(() =>
        {
            Assert.That(response.Select(p => (p as NotifyPayload)?.NotifyType), Is.EqualTo(new NotifyType?[] { NotifyType.INVALID_SYNTAX }));
            Assert.That(outcome, Is.InstanceOf<AuthOutcome.Failed>());
        });
    }

    [Test]
    public void HalfACreateChildSaRequestInIkeAuthIsRefusedWithoutEndingTheIkeSa()
    {
        // SA without TSi/TSr: not childless, not a CHILD_SA either; TS_UNACCEPTABLE is non-fatal (§2.21.3)
        var (response, outcome) = ProcessIkeAuth(withSaOnly: true, acceptChildless: true);
        Assert.Multiple(() =>
        {
            Assert.That(response.OfType<AuthenticationPayload>(), Is.Not.Empty, "the IKE SA is made: our AUTH goes back");
            Assert.That(response.OfType<NotifyPayload>().Select(n => n.NotifyType).ToArray(), Is.EqualTo(new[] { NotifyType.TS_UNACCEPTABLE }));
            Assert.That(outcome, Is.EqualTo(new AuthOutcome.Established(null, NotifyType.TS_UNACCEPTABLE)));
        });
    }

    /// <summary>The responder's IKE_AUTH step on HDR, SK {IDi, AUTH, [SAi2]} with a valid PSK AUTH.</summary>
    private static (IReadOnlyList<IPayload> Response, AuthOutcome Outcome) ProcessIkeAuth(bool withSaOnly, bool acceptChildless)
    {
        byte[] ni = new byte[32], nr = new byte[32];
        var keys = IkeKeySchedule.Derive(Suites.Default, new byte[32], ni, nr, 1, 2);
        using var ctx = new IkeSaContext(false, new IkeSpi(1), new IkeSpi(2), Pair.Cpe, keys, ni, nr, new SeededRandom(1), RetransmitPolicy.Default);
        using var psk = SecretBytes.CopyFrom("a shared secret of some length"u8);
        var options = new IkeResponderOptions
        {
            Proposals = [Suites.Default], ChildProposals = Suites.Esp, LocalIdentity = Pair.ControllerId,
            FindPeer = _ => new PeerPolicy(Pair.CpeId, psk, RequireMpsaVendorId: false), AcceptChildless = acceptChildless,
        };
        var idi = IdentificationPayload.FromText(PayloadType.IDi, Pair.CpeId);
        byte[] realMessage1 = [1, 2, 3];
        var auth = PskAuthentication.Compute(ctx.Prf, psk.Span, realMessage1, nr, keys.SkPi.Span, idi.BodyBytes(), null);
        var request = new IkeMessage(default, withSaOnly
            ? [idi, new AuthenticationPayload(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE, auth), Proposals.Offer(Suites.Esp, 0x1234)]
            : [idi, new AuthenticationPayload(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE, auth)]);
        return IkeAuth.ProcessRequest(ctx, request, options, realMessage1, [4, 5, 6], () => 7);
    }

    [Test]
    public void TheFirstRequestAfterIkeAuthIsResentEarlyAndQuietlyWhenTheInitiatorMissedIt()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        // the member is still taking in the IKE_AUTH response and drops the MPSA_PUT (strongSwan: "ignoring INFORMATIONAL
        // in IKE_SA state CONNECTING"); only its first copy
        int dropped = 0;
        pair.Drop = (toResponder, _) => !toResponder && dropped++ == 0;
        using var put = MpsaPutSamples.Make(0xc0000102);
        var sentAt = pair.Now;
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Drive(() => pair.ResponderEvents.OfType<MpsaAcknowledged>().Any());
        Assert.Multiple(() =>
        {
            Assert.That(pair.Single<MpsaAcknowledged>(pair.ResponderEvents).Spis, Is.EqualTo(new[] { put.Spi }));
            Assert.That(pair.Now - sentAt, Is.EqualTo(IkeSaContext.GraceResend), "resent after the grace, not after the 2 s retransmission timeout");
            Assert.That(pair.ResponderEvents.OfType<RequestRetransmitted>(), Is.Empty, "the early resend is not a retransmission");
        });

        // later requests are retransmitted as ever: 2 s, counted and reported
        dropped = 0;
        using var next = MpsaPutSamples.Make(0xc0000103);
        sentAt = pair.Now;
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [next], pair.Now));
        pair.Drive(() => pair.ResponderEvents.OfType<MpsaAcknowledged>().Count() == 2);
        Assert.Multiple(() =>
        {
            Assert.That(pair.Now - sentAt, Is.EqualTo(RetransmitPolicy.Default.Initial));
            Assert.That(pair.ResponderEvents.OfType<RequestRetransmitted>().Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public void AnOverdueRequestGoesAgainAsSoonAsThePeerIsHeardFrom()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        bool linkDown = true;
        pair.Drop = (_, _) => linkDown;
        using var put = MpsaPutSamples.Make(0xc0000105);
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        for (int i = 0; i < 3; i++)   // the grace resend and two retransmissions go nowhere; the next is 8 s away
        {
            pair.Advance(pair.Responder.NextDeadline!.Value - pair.Now);
            pair.FromResponder(pair.Responder.OnTimeout(pair.Now));
        }
        Assert.That(pair.ResponderEvents.OfType<RequestRetransmitted>().Count(), Is.EqualTo(2));

        linkDown = false;   // the member's link is back, and its liveness check is the first word from it
        var back = pair.Now;
        pair.FromInitiator(pair.Initiator.CheckLiveness(pair.Now));
        pair.Deliver();

        Assert.Multiple(() =>
        {
            Assert.That(pair.Single<MpsaAcknowledged>(pair.ResponderEvents).Spis, Is.EqualTo(new[] { put.Spi }));
            Assert.That(pair.Now, Is.EqualTo(back), "sent again on the liveness check, not at the next retransmission");
            Assert.That(pair.ResponderEvents.OfType<RequestRetransmitted>().Count(), Is.EqualTo(2), "not counted as a retransmission");
        });
    }

    [Test]
    public void TheEarlyResendDoesNotShortenTheRetransmissionBudget()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        pair.Drop = (toResponder, _) => !toResponder;   // the member went silent right after IKE_AUTH
        using var put = MpsaPutSamples.Make(0xc0000104);
        var sentAt = pair.Now;
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Drive(() => pair.ResponderEvents.OfType<PeerGone>().Any());
        var policy = RetransmitPolicy.Default;
        var budget = TimeSpan.Zero;
        for (int t = 1; t <= policy.MaxTransmissions; t++)
        {
            budget += policy.Timeout(t);
        }
        Assert.Multiple(() =>
        {
            Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.NoResponse));
            Assert.That(pair.Now - sentAt, Is.EqualTo(IkeSaContext.GraceResend + budget), "the grace comes on top of the usual budget");
            Assert.That(pair.ResponderEvents.OfType<RequestRetransmitted>().Count(), Is.EqualTo(policy.MaxTransmissions - 1));
        });
    }

    private static bool Connected(List<IkeEvent> events)
    {
        int up = events.FindIndex(e => e is IkeSaEstablished);
        return up >= 0 && !events.Skip(up).OfType<PeerGone>().Any();
    }

    private static string Child(List<IkeEvent> events) =>
        events.OfType<ChildSaEstablished>().Any() ? "made"
        : events.OfType<ChildSaFailed>().FirstOrDefault() is { } f ? f.Reason.ToString()
        : "none";
}
