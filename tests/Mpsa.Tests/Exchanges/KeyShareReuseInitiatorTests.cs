using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// <see cref="IkeInitiatorOptions.KeyShares"/>: initiators that open many IKE SAs (the load generator) send one X25519
/// key share until an IKE SA made with it ends (RFC 7296 §2.12), as the responder does.
/// </summary>
public class KeyShareReuseInitiatorTests
{
    private static Pair Reusing(KeyShareReuse shares, int member) => new(Suites.Default, i =>
    {
        i.Seed = member;
        i.KeyShares = shares;
    });

    private static byte[] RequestKeyShare(Pair pair) =>
        IkeMessage.Decode(pair.Wire.First(w => w.ToResponder).Datagram).Find<KeyExchangePayload>()!.Data;

    [Test]
    public void InitiatorsShareOneKeyShareUntilAnIkeSaMadeWithItEnds()
    {
        using var shares = new KeyShareReuse(TimeSpan.FromMinutes(1), SystemRandom.Instance);
        using var first = Reusing(shares, 1);
        using var second = Reusing(shares, 2);
        first.Establish();
        second.Establish();

        // Both IKE SAs are authenticated (AUTH is a MAC under each one's SK_p): each side derived the same keys.
        Assert.That((first.Initiator.Phase, second.Initiator.Phase), Is.EqualTo((InitiatorPhase.Established, InitiatorPhase.Established)));
        Assert.That(RequestKeyShare(second), Is.EqualTo(RequestKeyShare(first)));
        Assert.That(second.Initiator.Keys!.SkD.Span.ToArray(), Is.Not.EqualTo(first.Initiator.Keys!.SkD.Span.ToArray()), "the nonces differ");
        Assert.That(shares.SharesMade, Is.EqualTo(1));

        // HDR, SK {D(IKE)} -->   <-- HDR, SK {}: the first IKE SA ends, and its share with it
        first.FromInitiator(first.Initiator.Close(first.Now));
        first.Deliver();
        Assert.That(first.Initiator.Phase, Is.EqualTo(InitiatorPhase.Gone));
        using var third = Reusing(shares, 3);
        third.Establish();
        Assert.That(RequestKeyShare(third), Is.Not.EqualTo(RequestKeyShare(first)));
        Assert.That(shares.SharesMade, Is.EqualTo(2));
    }

    [Test]
    public void WithoutReuseEveryInitiatorSendsItsOwnKeyShare()
    {
        using var first = new Pair(Suites.Default, i => i.Seed = 1);
        using var second = new Pair(Suites.Default, i => i.Seed = 2);
        first.Establish();
        second.Establish();
        Assert.That(RequestKeyShare(second), Is.Not.EqualTo(RequestKeyShare(first)));
    }
}
