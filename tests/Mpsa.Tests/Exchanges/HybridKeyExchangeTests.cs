using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>X25519 + ML-KEM-768 (RFC 9370 through IKE_INTERMEDIATE, RFC 9242) between our two daemons, in memory.</summary>
public class HybridKeyExchangeTests
{
    private static readonly IkeSuite Classical = new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);
    private static readonly IkeSuite Hybrid = Classical with { AdditionalKe = DhGroup.ML_KEM_768 };

    [Test]
    public void EstablishesWithAnIntermediateExchangeAndUpdatedKeys()
    {
        using var pair = new Pair(Hybrid);
        pair.Establish();
        var up = pair.Single<IkeSaEstablished>(pair.InitiatorEvents);
        var upR = pair.Single<IkeSaEstablished>(pair.ResponderEvents);
        Assert.That((up.Suite, upR.Suite), Is.EqualTo((Hybrid, Hybrid)));
        Assert.That(up.KeyFingerprint, Is.EqualTo(upR.KeyFingerprint));
        // The KE of IKE_INTERMEDIATE is ML-KEM: the 1184-byte key does not fit a 1280-byte IPv4 datagram, so it goes in
        // two Encrypted Fragments (RFC 7383, announced by both); the 1088-byte ciphertext comes back whole.
        Assert.That(pair.Wire.Select(w => IkeHeaderOf(w.Datagram)), Is.EqualTo(new[]
        {
            (ExchangeType.IKE_SA_INIT, 0u, PayloadType.SA), (ExchangeType.IKE_SA_INIT, 0u, PayloadType.SA),
            (ExchangeType.IKE_INTERMEDIATE, 1u, PayloadType.SKF), (ExchangeType.IKE_INTERMEDIATE, 1u, PayloadType.SKF),
            (ExchangeType.IKE_INTERMEDIATE, 1u, PayloadType.SK),
            (ExchangeType.IKE_AUTH, 2u, PayloadType.SK), (ExchangeType.IKE_AUTH, 2u, PayloadType.SK),
        }));
        Assert.That(pair.Wire.Select(w => w.Datagram.Length), Has.All.LessThanOrEqualTo(1280 - 28));
        Assert.That(pair.Wire[4].Datagram.Length, Is.InRange(1089, 1183));

        using var put = MpsaPutSamples.Make(0xc0000101);
        pair.FromResponder(pair.Responder.SendMpsaPut(upR.SpiR, [put], pair.Now));
        pair.Deliver();
        using var received = pair.Single<MpsaReceived>(pair.InitiatorEvents).Puts[0];
        Assert.That(received.SkD.Span.ToArray(), Is.EqualTo(put.SkD.Span.ToArray()), "the updated keys protect what follows");
    }

    private static IEnumerable<IkeSuite> EveryHybridSuite() => Suites.All().Select(s => s with { AdditionalKe = DhGroup.ML_KEM_768 });

    [TestCaseSource(nameof(EveryHybridSuite))]
    public void EstablishesWithEverySuite(IkeSuite suite)
    {
        using var pair = new Pair(suite);
        pair.Establish();
        var up = pair.Single<IkeSaEstablished>(pair.InitiatorEvents);
        var upR = pair.Single<IkeSaEstablished>(pair.ResponderEvents);
        Assert.That((up.Suite, upR.Suite), Is.EqualTo((suite, suite)));
        Assert.That(up.KeyFingerprint, Is.EqualTo(upR.KeyFingerprint));
        Assert.That(pair.Wire.Count(w => IkeHeaderOf(w.Datagram).Item1 == ExchangeType.IKE_INTERMEDIATE), Is.InRange(2, 3));
    }

    [Test]
    public void TheKeysAreNotTheClassicalOnes()
    {
        using var classical = new Pair(Classical);
        classical.Establish();
        using var hybrid = new Pair(Hybrid);
        hybrid.Establish();
        // The same seeded randomness gives the same X25519 exchange; only the ML-KEM secret tells the SAs apart.
        Assert.That(hybrid.Single<IkeSaEstablished>(hybrid.InitiatorEvents).KeyFingerprint,
            Is.Not.EqualTo(classical.Single<IkeSaEstablished>(classical.InitiatorEvents).KeyFingerprint));
    }

    [Test]
    public void FallsBackToTheClassicalSuiteWithAPeerThatHasNoHybrid()
    {
        using var pair = new Pair(Hybrid, i => i.Proposals = [Hybrid, Classical], r => r.Proposals = [Classical]);
        pair.Establish();
        Assert.That(pair.Single<IkeSaEstablished>(pair.InitiatorEvents).Suite, Is.EqualTo(Classical));
        Assert.That(pair.Wire, Has.Count.EqualTo(4), "no IKE_INTERMEDIATE");
    }

    [Test]
    public void AGroupThatRequiresPostQuantumRefusesAClassicalMember()
    {
        using var pair = new Pair(Classical, responder: r => { r.Proposals = [Hybrid, Classical]; r.RequirePostQuantum = true; });
        pair.Establish();
        var gone = pair.Single<PeerGone>(pair.ResponderEvents);
        Assert.That(gone.Reason, Is.EqualTo(PeerGoneReason.Refused));
        Assert.That(gone.Detail, Is.EqualTo("cpe1.example.net used x25519 alone, and its group requires a post-quantum key exchange (require_pq; propose ke1_mlkem768)"));
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Gone), "the member hears AUTHENTICATION_FAILED");

        using var hybrid = new Pair(Hybrid, responder: r => r.RequirePostQuantum = true);
        hybrid.Establish();
        Assert.That(hybrid.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
    }

    [Test]
    public void ARetransmittedIntermediateRequestIsAnsweredFromTheCacheAfterTheKeyUpdate()
    {
        using var pair = new Pair(Hybrid);
        int intermediateResponses = 0;
        pair.Drop = (toResponder, d) => !toResponder && IkeHeaderOf(d).Item1 == ExchangeType.IKE_INTERMEDIATE && intermediateResponses++ == 0;
        pair.Establish();
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        Assert.That(intermediateResponses, Is.EqualTo(2), "the lost answer was sent again");
    }

    [Test]
    public void ALostFragmentIsSentAgainWithItsMessageAndDuplicatesChangeNothing()
    {
        using var pair = new Pair(Hybrid);
        int fragments = 0;
        pair.Drop = (toResponder, d) => toResponder && IkeHeaderOf(d).Item3 == PayloadType.SKF && fragments++ == 1;
        pair.Duplicate = (toResponder, d) => toResponder && IkeHeaderOf(d).Item3 == PayloadType.SKF;
        pair.Establish();
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        Assert.That(fragments, Is.EqualTo(4), "both fragments again after the loss of the second");
    }

    private static (ExchangeType, uint, PayloadType) IkeHeaderOf(byte[] datagram)
    {
        Assert.That(IkeHeader.TryPeek(datagram, out var h), Is.True);
        return (h.Exchange, h.MessageId, h.NextPayload);
    }
}
