using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// <see cref="IkeResponderOptions.KeyShares"/>: the responder answers IKE_SA_INIT with one X25519 key share until an
/// IKE SA made with it ends (RFC 7296 §2.12): then the share is retired and its private value zeroed.
/// </summary>
public class KeyShareReuseResponderTests
{
    private static readonly IPEndPoint Other = new(IPAddress.Parse("198.51.100.9"), 500);
    private static readonly IkeSuite Hybrid = Suites.Default with { AdditionalKe = DhGroup.ML_KEM_768 };

    private static KeyShareReuse Shares() => new(TimeSpan.FromMinutes(1), SystemRandom.Instance);

    private static Pair Reusing(KeyShareReuse shares, IkeSuite? suite = null, Action<ResponderSettings>? more = null, int member = 1) =>
        new(suite ?? Suites.Default, i => i.Seed = member, r =>
        {
            r.KeyShares = shares;
            more?.Invoke(r);
        });


    private static byte[] KeyShareIn(byte[] saInitResponse) => IkeMessage.Decode(saInitResponse).Find<KeyExchangePayload>()!.Data;

    private static byte[] FirstKeyShare(Pair pair) => KeyShareIn(pair.Wire.First(w => !w.ToResponder).Datagram);

    /// <summary>The responder's answer to one more member's IKE_SA_INIT: its KE data.</summary>
    private static byte[] NextKeyShare(Pair pair, ulong spiI) =>
        KeyShareIn(pair.Responder.Receive(Pair.SaInit(spiI), Other, pair.Now).Send.Single().Datagram);

    /// <summary>The share the responder answers with now, held as an exchange in progress would hold it.</summary>
    private static KeyShareLease Hold(KeyShareReuse shares, Pair pair) => shares.TryLease(DhGroup.CURVE25519, pair.Now)!;

    [Test]
    public void TwoMembersGetOneKeyShareAndBothIkeSasWork()
    {
        using var shares = Shares();
        using var first = Reusing(shares);
        using var second = Reusing(shares, member: 2);

        first.Establish();
        second.Establish();

        // Each IKE SA is authenticated (AUTH is a MAC under its own SK_p), so both sides derived the same keys.
        Assert.That((first.Initiator.Phase, second.Initiator.Phase), Is.EqualTo((InitiatorPhase.Established, InitiatorPhase.Established)));
        Assert.That(FirstKeyShare(second), Is.EqualTo(FirstKeyShare(first)));
        Assert.That(second.Initiator.Keys!.SkD.Span.ToArray(), Is.Not.EqualTo(first.Initiator.Keys!.SkD.Span.ToArray()), "the nonces differ");
        Assert.That(shares.SharesMade, Is.EqualTo(1));
    }

    [Test]
    public void WithoutReuseEveryIkeSaInitGetsItsOwnKeyShare()
    {
        using var pair = new Pair(Suites.Default);
        Assert.That(NextKeyShare(pair, 1), Is.Not.EqualTo(NextKeyShare(pair, 2)));
    }

    [Test]
    public void DeletingAnIkeSaRetiresItsKeyShare()
    {
        using var shares = Shares();
        using var pair = Reusing(shares);
        pair.Establish();
        var held = Hold(shares, pair);
        Assert.That(held.PublicValue, Is.EqualTo(FirstKeyShare(pair)));

        // <-- HDR, SK {D(IKE)}   HDR, SK {} -->
        pair.FromResponder(pair.Responder.Delete(pair.ResponderSpi, pair.Now));
        pair.Deliver();

        Assert.That(pair.Responder.IkeSaCount, Is.Zero);
        Assert.That((held.Share.IsRetired, held.Share.IsErased), Is.EqualTo((true, false)), "an exchange still holds it");
        held.Dispose();
        Assert.That(held.Share.IsErased, Is.True);
        Assert.That(NextKeyShare(pair, 2), Is.Not.EqualTo(FirstKeyShare(pair)));
    }

    [Test]
    public void AHalfOpenIkeSaThatExpiresRetiresItsKeyShare()
    {
        using var shares = Shares();
        using var pair = Reusing(shares);
        byte[] used = NextKeyShare(pair, 1);
        Assert.That(NextKeyShare(pair, 2), Is.EqualTo(used));

        pair.Advance(TimeSpan.FromSeconds(31));
        pair.Responder.OnTimeout(pair.Now);

        Assert.That(pair.Responder.IkeSaCount, Is.Zero);
        Assert.That(NextKeyShare(pair, 3), Is.Not.EqualTo(used));
    }

    [Test]
    public void ForgettingAReplacedIkeSaRetiresItsKeyShare()
    {
        using var shares = Shares();
        using var pair = Reusing(shares);
        pair.Establish();
        using var held = Hold(shares, pair);

        pair.Responder.Forget(pair.ResponderSpi);   // the member came back with INITIAL_CONTACT

        Assert.That(held.Share.IsRetired, Is.True);
    }

    [Test]
    public void RekeyingAnIkeSaRetiresTheKeyShareOfTheOldOne()
    {
        using var shares = Shares();
        using var pair = Reusing(shares);
        pair.Establish();
        using var held = Hold(shares, pair);

        pair.FromResponder(pair.Responder.RekeyIkeSa(pair.ResponderSpi, pair.Now));
        pair.Deliver();

        Assert.That(pair.ResponderEvents.OfType<IkeSaRekeyed>().Count(), Is.EqualTo(1));
        Assert.That(held.Share.IsRetired, Is.True, "the old SA is deleted: its keys must not be recomputable");
        Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));
    }

    [Test]
    public void TheAdditionalKeyExchangeKeepsTheKeyShareWithTheIkeSa()
    {
        using var shares = Shares();
        using var pair = Reusing(shares, Hybrid);
        pair.Establish();
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        using var held = Hold(shares, pair);
        Assert.That(held.Share.IsRetired, Is.False, "the IKE SA goes on under the ML-KEM keys");

        pair.FromResponder(pair.Responder.Delete(pair.ResponderSpi, pair.Now));
        pair.Deliver();

        Assert.That(held.Share.IsRetired, Is.True);
    }

    [Test]
    public void OffloadedJobsUseTheShareAndOneNeverTakenBackRetiresIt()
    {
        using var shares = Shares();
        var jobs = new List<SaInitJob>();
        using var pair = Reusing(shares, more: r => r.OffloadSaInit = jobs.Add);

        pair.FromInitiator(pair.Initiator.Start(pair.Now));
        pair.Deliver();
        jobs[0].Run();
        pair.FromResponder(pair.Responder.CompleteSaInit(jobs[0], pair.Now));
        pair.Drive(() => pair.Initiator.Phase is InitiatorPhase.Established or InitiatorPhase.Gone);
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        using var held = Hold(shares, pair);
        Assert.That(held.PublicValue, Is.EqualTo(FirstKeyShare(pair)));

        // A job whose keys were made but never taken (the responder went meanwhile) is as an IKE SA that ended.
        pair.Responder.Receive(Pair.SaInit(2), Other, pair.Now);
        jobs[1].Run();
        jobs[1].Dispose();

        Assert.That(held.Share.IsRetired, Is.True);
    }
}
