using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using static Mpsa.Tests.Exchanges.RekeyTests;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// IKE SA rekeys of a post-quantum IKE SA (RFC 9370 §2.2.4) between our two daemons, in memory:
/// CREATE_CHILD_SA {SA, Ni, KEi} / {SA, Nr, KEr, N(ADDITIONAL_KEY_EXCHANGE)}, then IKE_FOLLOWUP_KE on the old SA.
/// </summary>
public class HybridRekeyTests
{
    private static readonly IkeSuite Classical = new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);
    private static readonly IkeSuite Hybrid = Classical with { AdditionalKe = DhGroup.ML_KEM_768 };

    private static IEnumerable<TestCaseData> SomeHybridSuites() =>
        from i in new[] { 0, 13, 40, Suites.All().Count() - 1 }
        from byCpe in new[] { true, false }
        let suite = Suites.All().ElementAt(i) with { AdditionalKe = DhGroup.ML_KEM_768 }
        select new TestCaseData(suite, byCpe).SetArgDisplayNames(suite.ToString(), byCpe ? "by the CPE" : "by the controller");

    [TestCaseSource(nameof(SomeHybridSuites))]
    public void RekeysWithAFollowupKeyExchangeOnTheOldSa(IkeSuite suite, bool byCpe)
    {
        using var pair = new Pair(suite);
        pair.Establish();
        var up = pair.Single<IkeSaEstablished>(pair.ResponderEvents);
        byte[] oldSkD = pair.Initiator.Keys!.SkD.Span.ToArray();
        int sent = pair.Wire.Count;

        Rekey(pair, byCpe, up.SpiR);

        var rekeyedI = pair.Single<IkeSaRekeyed>(pair.InitiatorEvents);
        var rekeyedR = pair.Single<IkeSaRekeyed>(pair.ResponderEvents);
        var exchanges = Messages(pair.Wire.Skip(sent));
        Assert.Multiple(() =>
        {
            Assert.That(exchanges.Select(m => (m.Exchange, m.Response)), Is.EqualTo(new[]
            {
                (ExchangeType.CREATE_CHILD_SA, false), (ExchangeType.CREATE_CHILD_SA, true),
                (ExchangeType.IKE_FOLLOWUP_KE, false), (ExchangeType.IKE_FOLLOWUP_KE, true),
                (ExchangeType.INFORMATIONAL, false), (ExchangeType.INFORMATIONAL, true),
            }), "rekey, its additional key exchange, the Delete of the old SA");
            Assert.That(exchanges.Take(5).Select(m => m.Spis).Distinct(), Is.EqualTo(new[] { (up.SpiI, up.SpiR) }),
                "IKE_FOLLOWUP_KE runs on the SA being rekeyed, as the Delete does");
            Assert.That((rekeyedI.Suite, rekeyedR.Suite), Is.EqualTo((suite, suite)), "the new SA is post-quantum too");
            Assert.That((rekeyedI.NewSpiI, rekeyedI.NewSpiR), Is.EqualTo((rekeyedR.NewSpiI, rekeyedR.NewSpiR)));
            Assert.That(rekeyedI.KeyFingerprint, Is.EqualTo(rekeyedR.KeyFingerprint), "SK_* match across sides");
            Assert.That(rekeyedI.StartedByPeer, Is.EqualTo(!byCpe));
            Assert.That(pair.InitiatorEvents.OfType<IkeSaRekeyFailed>().Concat(pair.ResponderEvents.OfType<IkeSaRekeyFailed>()), Is.Empty);
            Assert.That(pair.Initiator.Keys!.SkD.Span.ToArray(), Is.Not.EqualTo(oldSkD));
            Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));
        });
        AssertQuiet(pair);
        PushAndCheckLiveness(pair, rekeyedR.NewHandle);
    }

    [Test]
    public void TheAdditionalSecretChangesTheRekeyedKeys()
    {
        // The same seeded randomness on both runs: the same nonces, SPIs and X25519 values; only ML-KEM differs.
        using var classical = new Pair(Classical);
        classical.Establish();
        Rekey(classical, byCpe: true, classical.ResponderSpi);
        using var hybrid = new Pair(Hybrid);
        hybrid.Establish();
        Rekey(hybrid, byCpe: true, hybrid.ResponderSpi);
        Assert.That(hybrid.Single<IkeSaRekeyed>(hybrid.InitiatorEvents).KeyFingerprint,
            Is.Not.EqualTo(classical.Single<IkeSaRekeyed>(classical.InitiatorEvents).KeyFingerprint));
    }

    [TestCase(ExchangeType.CREATE_CHILD_SA)]
    [TestCase(ExchangeType.IKE_FOLLOWUP_KE)]
    public void ALostAnswerIsSentAgainFromTheCache(ExchangeType lost)
    {
        using var pair = new Pair(Hybrid);
        pair.Establish();
        int answers = 0;
        pair.Drop = (toResponder, d) => !toResponder && IsResponse(d, lost) && answers++ == 0;
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        pair.Drive(() => pair.InitiatorEvents.OfType<IkeSaRekeyed>().Any());
        Assert.Multiple(() =>
        {
            Assert.That(answers, Is.EqualTo(2), "the retransmitted request got the cached answer");
            Assert.That(pair.Single<IkeSaRekeyed>(pair.InitiatorEvents).KeyFingerprint, Is.EqualTo(pair.Single<IkeSaRekeyed>(pair.ResponderEvents).KeyFingerprint));
        });
        AssertQuiet(pair);
        PushAndCheckLiveness(pair, pair.ResponderSpi);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void BothSidesRekeyingAtOnceEndWithOneSa(bool controllerFirst)
    {
        using var pair = new Pair(Hybrid);
        pair.Establish();
        var handle = pair.ResponderSpi;
        if (controllerFirst)
        {
            pair.FromResponder(pair.Responder.RekeyIkeSa(handle, pair.Now));
            pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        }
        else
        {
            pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
            pair.FromResponder(pair.Responder.RekeyIkeSa(handle, pair.Now));
        }
        pair.Deliver();

        var rekeyedI = pair.Single<IkeSaRekeyed>(pair.InitiatorEvents);
        var rekeyedR = pair.Single<IkeSaRekeyed>(pair.ResponderEvents);
        var refused = pair.InitiatorEvents.Concat(pair.ResponderEvents).OfType<IkeSaRekeyFailed>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That((rekeyedI.NewSpiI, rekeyedI.NewSpiR), Is.EqualTo((rekeyedR.NewSpiI, rekeyedR.NewSpiR)));
            Assert.That(rekeyedI.KeyFingerprint, Is.EqualTo(rekeyedR.KeyFingerprint));
            Assert.That(rekeyedI.StartedByPeer, Is.Not.EqualTo(rekeyedR.StartedByPeer), "one rekey went on");
            Assert.That(refused.Select(f => f.Reason), Has.Some.Contains("goes on"), "the other ended, by the same rule on both sides");
            Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));
        });
        AssertQuiet(pair);
        PushAndCheckLiveness(pair, rekeyedR.NewHandle);
    }

    [Test]
    public void APostQuantumSaIsOfferedOnlyPostQuantumSuitesInItsRekey()
    {
        // both accept the classical suite as a fallback; the rekey of the hybrid SA must not offer it (a downgrade)
        int withFallback = RekeyRequestLength(i => i.Proposals = [Hybrid, Classical]);
        int hybridOnly = RekeyRequestLength(i => i.Proposals = [Hybrid]);
        Assert.That(withFallback, Is.EqualTo(hybridOnly), "the same single proposal in both CREATE_CHILD_SA requests");
    }

    private static int RekeyRequestLength(Action<InitiatorSettings> initiator)
    {
        using var pair = new Pair(Hybrid, initiator, r => r.Proposals = [Hybrid, Classical]);
        pair.Establish();
        Assert.That(pair.Single<IkeSaEstablished>(pair.InitiatorEvents).Suite, Is.EqualTo(Hybrid));
        int sent = pair.Wire.Count;
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        pair.Deliver();
        Assert.That(pair.Single<IkeSaRekeyed>(pair.ResponderEvents).Suite, Is.EqualTo(Hybrid));
        return pair.Wire[sent].Datagram.Length;
    }

    [Test]
    public void AResponderThatNeverGetsTheFollowupForgetsTheRekey()
    {
        using var pair = new Pair(Hybrid);
        pair.Establish();
        pair.Drop = (toResponder, d) => toResponder && IsRequest(d, ExchangeType.IKE_FOLLOWUP_KE);
        pair.FromInitiator(pair.Initiator.RekeyIkeSa(pair.Now));
        pair.Drive(() => pair.ResponderEvents.OfType<IkeSaRekeyFailed>().Any());
        var forgotten = pair.Single<IkeSaRekeyFailed>(pair.ResponderEvents);
        Assert.That(forgotten.Reason, Does.Contain("no IKE_FOLLOWUP_KE came"));
        Assert.That(pair.ResponderEvents.OfType<IkeSaRekeyed>(), Is.Empty);
    }

    [Test]
    public void AFollowupForNoAnsweredRekeyIsRefusedWithStateNotFound()
    {
        var link = FollowupKeyExchange.Link([1, 2, 3, 4]);
        var ke = new KeyExchangePayload(DhGroup.ML_KEM_768, new byte[1184]);
        Assert.Multiple(() =>
        {
            Assert.That(Refusal(FollowupKeyExchange.ProcessRequest(Message(link, ke), null, DhGroup.ML_KEM_768)), Is.EqualTo(NotifyType.STATE_NOT_FOUND));
            Assert.That(Refusal(FollowupKeyExchange.ProcessRequest(Message(link, ke), [9, 9], DhGroup.ML_KEM_768)), Is.EqualTo(NotifyType.STATE_NOT_FOUND));
            Assert.That(Refusal(FollowupKeyExchange.ProcessRequest(Message(ke), [1, 2, 3, 4], DhGroup.ML_KEM_768)), Is.EqualTo(NotifyType.STATE_NOT_FOUND));
            Assert.That(Refusal(FollowupKeyExchange.ProcessRequest(Message(link), [1, 2, 3, 4], DhGroup.ML_KEM_768)), Is.EqualTo(NotifyType.INVALID_SYNTAX));
            Assert.That(Refusal(FollowupKeyExchange.ProcessRequest(Message(link, new KeyExchangePayload(DhGroup.CURVE25519, new byte[32])), [1, 2, 3, 4], DhGroup.ML_KEM_768)),
                Is.EqualTo(NotifyType.INVALID_SYNTAX));
            Assert.That(FollowupKeyExchange.ProcessRequest(Message(link, ke), [1, 2, 3, 4], DhGroup.ML_KEM_768), Is.InstanceOf<FollowupRequest.Accept>());
            Assert.That(FollowupKeyExchange.ProcessResponse(Message(new NotifyPayload(NotifyType.STATE_NOT_FOUND)), DhGroup.ML_KEM_768),
                Is.EqualTo(new FollowupAnswer.Failed(NotifyType.STATE_NOT_FOUND, "peer answered IKE_FOLLOWUP_KE with STATE_NOT_FOUND")));
        });
    }

    private static NotifyType? Refusal(FollowupRequest r) => (r as FollowupRequest.Reject)?.Notify;

    private static IkeMessage Message(params IPayload[] payloads) =>
        new(new IkeHeader(new IkeSpi(1), new IkeSpi(2), PayloadType.NoNextPayload, ExchangeType.IKE_FOLLOWUP_KE, IkeFlags.Initiator, 1, 0), payloads);

    /// <summary>The messages on the wire, the fragments of one counted once.</summary>
    private static List<(ExchangeType Exchange, bool Response, (IkeSpi, IkeSpi) Spis)> Messages(IEnumerable<(MonoTime At, bool ToResponder, byte[] Datagram)> wire)
    {
        var messages = new List<(ExchangeType, bool, (IkeSpi, IkeSpi), uint)>();
        foreach (var w in wire)
        {
            Assert.That(IkeHeader.TryPeek(w.Datagram, out var h), Is.True);
            var m = (h.Exchange, h.IsResponse, (h.SpiI, h.SpiR), h.MessageId);
            if (messages.Count == 0 || messages[^1] != m)
            {
                messages.Add(m);
            }
        }
        return messages.Select(m => (m.Item1, m.Item2, m.Item3)).ToList();
    }
}
