using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>RFC 7383 §2.6 reassembly: any order, duplicates, a retransmission cut smaller, and the bounds that keep a
/// hostile peer from making a CPE hold megabytes.</summary>
public class FragmentReassemblyTests
{
    private static readonly MonoTime T0 = new(1000);

    private static FragmentReassembly New() => new(maxFragments: 8, maxBytes: 4000, timeout: TimeSpan.FromSeconds(5));

    private static byte[] Part(int n, int length = 100) => Enumerable.Repeat((byte)n, length).ToArray();

    [Test]
    public void PutsFragmentsTogetherInAnyOrderAndIgnoresDuplicates()
    {
        var r = New();
        Assert.That(r.Add(7, 3, 3, PayloadType.NoNextPayload, Part(3), T0), Is.EqualTo(FragmentVerdict.Stored));
        Assert.That(r.Add(7, 1, 3, PayloadType.KE, Part(1), T0), Is.EqualTo(FragmentVerdict.Stored));
        Assert.That(r.Add(7, 1, 3, PayloadType.KE, Part(1), T0), Is.EqualTo(FragmentVerdict.Duplicate));
        Assert.That(r.Add(7, 2, 3, PayloadType.NoNextPayload, Part(2, 50), T0), Is.EqualTo(FragmentVerdict.Complete));
        var (first, payloads) = r.TakeMessage();
        Assert.That(first, Is.EqualTo(PayloadType.KE), "the first inner payload comes from fragment 1");
        Assert.That(payloads, Is.EqualTo(Part(1).Concat(Part(2, 50)).Concat(Part(3)).ToArray()));
        Assert.That((r.HeldFragments, r.HeldBytes), Is.EqualTo((0, 0)));
        Assert.That(() => r.TakeMessage(), Throws.InvalidOperationException);
    }

    [Test]
    public void ARetransmissionInMoreFragmentsStartsOverAndOldOnesAreStale()
    {
        var r = New();
        r.Add(7, 1, 2, PayloadType.KE, Part(1, 200), T0);
        Assert.That(r.Add(7, 1, 4, PayloadType.KE, Part(1), T0), Is.EqualTo(FragmentVerdict.Stored), "smaller fragments: start over");
        Assert.That((r.HeldFragments, r.HeldBytes), Is.EqualTo((1, 100)));
        Assert.That(r.Add(7, 2, 2, PayloadType.NoNextPayload, Part(2, 200), T0), Is.EqualTo(FragmentVerdict.Stale));
        Assert.That(r.Add(6, 2, 4, PayloadType.NoNextPayload, Part(2), T0), Is.EqualTo(FragmentVerdict.Stale), "an older message");
        Assert.That(r.Add(8, 1, 2, PayloadType.SA, Part(1), T0), Is.EqualTo(FragmentVerdict.Stored), "a newer message replaces it");
        Assert.That(r.HeldFragments, Is.EqualTo(1));
    }

    [Test]
    public void RefusesNumbersCountsAndSizesOutOfBounds()
    {
        var r = New();
        Assert.That(r.Add(1, 0, 3, PayloadType.KE, Part(1), T0), Is.EqualTo(FragmentVerdict.Refused));
        Assert.That(r.Add(1, 4, 3, PayloadType.KE, Part(1), T0), Is.EqualTo(FragmentVerdict.Refused));
        Assert.That(r.Add(1, 1, 0, PayloadType.KE, Part(1), T0), Is.EqualTo(FragmentVerdict.Refused));
        Assert.That(r.Add(1, 1, 9, PayloadType.KE, Part(1), T0), Is.EqualTo(FragmentVerdict.Refused));
        Assert.That(r.Problem, Is.EqualTo("9 fragments, more than 8"));

        for (int n = 1; n <= 4; n++)
        {
            Assert.That(r.Add(2, n, 8, PayloadType.KE, Part(n, 900), T0), Is.EqualTo(FragmentVerdict.Stored));
        }
        Assert.That(r.Add(2, 5, 8, PayloadType.KE, Part(5, 900), T0), Is.EqualTo(FragmentVerdict.Refused));
        Assert.That(r.Problem, Is.EqualTo("message 2: fragments of more than 4000 bytes"));
        Assert.That((r.HeldFragments, r.HeldBytes), Is.EqualTo((0, 0)), "what was held of it is dropped too");
    }

    [Test]
    public void DropsAnIncompleteMessageWhenItsTimeIsUp()
    {
        var r = New();
        r.Add(3, 1, 2, PayloadType.KE, Part(1), T0);
        Assert.That(r.Expire(T0 + TimeSpan.FromSeconds(4)), Is.False);
        Assert.That(r.Expire(T0 + TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(r.HeldFragments, Is.Zero);

        r.Add(4, 1, 2, PayloadType.KE, Part(1), T0);
        // The second fragment after the deadline: the first is gone, so the message is not complete.
        Assert.That(r.Add(4, 2, 2, PayloadType.NoNextPayload, Part(2), T0 + TimeSpan.FromSeconds(6)), Is.EqualTo(FragmentVerdict.Stored));
        Assert.That(r.HeldFragments, Is.EqualTo(1));
    }
}
