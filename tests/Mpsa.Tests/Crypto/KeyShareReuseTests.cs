using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

/// <summary><see cref="KeyShareReuse"/>: one X25519 private value for several exchanges (RFC 7296 §2.12), gone as soon
/// as it is retired and no exchange is using it.</summary>
public class KeyShareReuseTests
{
    private static readonly MonoTime Start = new(0);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Test]
    public void EveryLeaseOfOneShareIsTheRfc7748Exchange()
    {
        using var shares = new KeyShareReuse(Minute, new ReplayRandom(DiffieHellmanTests.AlicePrivate));
        using var first = shares.TryLease(DhGroup.CURVE25519, Start)!;
        using var second = shares.TryLease(DhGroup.CURVE25519, Start + TimeSpan.FromSeconds(59))!;

        Assert.That(first.PublicValue, Is.EqualTo(DiffieHellmanTests.AlicePublic));
        Assert.That(second.Share, Is.SameAs(first.Share));
        using var k1 = first.DeriveSharedSecret(DiffieHellmanTests.BobPublic);
        using var k2 = second.DeriveSharedSecret(DiffieHellmanTests.BobPublic);
        Assert.That(k1!.Span.ToArray(), Is.EqualTo(DiffieHellmanTests.X25519Shared));
        Assert.That(k2!.Span.ToArray(), Is.EqualTo(DiffieHellmanTests.X25519Shared));
        Assert.That(shares.SharesMade, Is.EqualTo(1));
    }

    [Test]
    public void AgreesWithAFreshExchangeOnTheOtherSide()
    {
        using var shares = new KeyShareReuse(Minute, SystemRandom.Instance);
        for (int i = 0; i < 3; i++)
        {
            using var ours = shares.TryLease(DhGroup.CURVE25519, Start)!;
            using var peer = DiffieHellman.Create(DhGroup.CURVE25519, SystemRandom.Instance);
            using var a = ours.DeriveSharedSecret(peer.PublicValue);
            using var b = peer.DeriveSharedSecret(ours.PublicValue);
            Assert.That(a!.Span.ToArray(), Is.EqualTo(b!.Span.ToArray()));
        }
        Assert.That(shares.SharesMade, Is.EqualTo(1));
    }

    [Test]
    public void ANewShareOnceTheOldOneIsMaxAgeOld()
    {
        using var shares = new KeyShareReuse(Minute, SystemRandom.Instance);
        var old = shares.TryLease(DhGroup.CURVE25519, Start)!;
        old.Dispose();

        using var next = shares.TryLease(DhGroup.CURVE25519, Start + Minute)!;

        Assert.That(next.Share, Is.Not.SameAs(old.Share));
        Assert.That(next.PublicValue, Is.Not.EqualTo(old.PublicValue));
        Assert.That((old.Share.IsRetired, old.Share.IsErased), Is.EqualTo((true, true)));
        Assert.That(shares.SharesMade, Is.EqualTo(2));
    }

    [Test]
    public void ARetiredShareIsErasedWhenItsLastExchangeEnds()
    {
        using var shares = new KeyShareReuse(Minute, new ReplayRandom(DiffieHellmanTests.AlicePrivate, new byte[32]));
        var inProgress = shares.TryLease(DhGroup.CURVE25519, Start)!;

        inProgress.Share.Retire();

        // An exchange that started before the retirement still finishes; the next one gets another share.
        Assert.That((inProgress.Share.IsRetired, inProgress.Share.IsErased), Is.EqualTo((true, false)));
        using (var k = inProgress.DeriveSharedSecret(DiffieHellmanTests.BobPublic))
        {
            Assert.That(k!.Span.ToArray(), Is.EqualTo(DiffieHellmanTests.X25519Shared));
        }
        using (var next = shares.TryLease(DhGroup.CURVE25519, Start)!)
        {
            Assert.That(next.Share, Is.Not.SameAs(inProgress.Share));
        }
        inProgress.Dispose();
        Assert.That(inProgress.Share.IsErased, Is.True);
        Assert.Throws<ObjectDisposedException>(() => inProgress.DeriveSharedSecret(DiffieHellmanTests.BobPublic));
    }

    [Test]
    public void RetiringTwiceOrReleasingTwiceChangesNothing()
    {
        using var shares = new KeyShareReuse(Minute, SystemRandom.Instance);
        var a = shares.TryLease(DhGroup.CURVE25519, Start)!;
        var b = shares.TryLease(DhGroup.CURVE25519, Start)!;
        a.Dispose();
        a.Dispose();
        a.Share.Retire();
        a.Share.Retire();

        Assert.That(b.Share.IsErased, Is.False, "b's exchange is still in progress");
        b.Dispose();
        Assert.That(b.Share.IsErased, Is.True);
    }

    [Test]
    public void OnlyX25519AndOnlyWhileReuseIsOn()
    {
        using var shares = new KeyShareReuse(Minute, SystemRandom.Instance);
        Assert.That(shares.TryLease(DhGroup.ECP_256, Start), Is.Null);
        Assert.That(shares.TryLease(DhGroup.MODP_2048, Start), Is.Null);

        var lease = shares.TryLease(DhGroup.CURVE25519, Start)!;
        lease.Dispose();
        shares.MaxAge = TimeSpan.Zero;   // a reload turning it off retires the current share

        Assert.That(shares.TryLease(DhGroup.CURVE25519, Start), Is.Null);
        Assert.That(lease.Share.IsErased, Is.True);
    }

    [Test]
    public void DisposingThePoolErasesTheCurrentShare()
    {
        var shares = new KeyShareReuse(Minute, SystemRandom.Instance);
        var lease = shares.TryLease(DhGroup.CURVE25519, Start)!;
        lease.Dispose();

        shares.Dispose();

        Assert.That(lease.Share.IsErased, Is.True);
    }

    [Test]
    public void LeasesFromSeveralThreadsAllAgree()
    {
        using var shares = new KeyShareReuse(Minute, SystemRandom.Instance);
        using var peer = DiffieHellman.Create(DhGroup.CURVE25519, SystemRandom.Instance);
        var publicValues = new System.Collections.Concurrent.ConcurrentBag<string>();
        int wrong = 0;

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            using var lease = shares.TryLease(DhGroup.CURVE25519, Start)!;
            using var ours = lease.DeriveSharedSecret(peer.PublicValue);
            using var theirs = peer.DeriveSharedSecret(lease.PublicValue);
            if (!ours!.Span.SequenceEqual(theirs!.Span))
            {
                Interlocked.Increment(ref wrong);
            }
            publicValues.Add(Convert.ToHexString(lease.PublicValue));
            if (i % 100 == 99)
            {
                lease.Share.Retire();   // as an IKE SA ending meanwhile
            }
        });

        Assert.That(wrong, Is.Zero);
        Assert.That(publicValues.Distinct().Count(), Is.EqualTo(shares.SharesMade));
        Assert.That(shares.SharesMade, Is.InRange(2, 5));
    }
}
