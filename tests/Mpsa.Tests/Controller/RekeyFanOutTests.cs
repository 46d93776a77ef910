using Mpsa.Controller;
using Mpsa.Controller.Groups;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Exchanges;

namespace Mpsa.Tests.Controller;

public class RekeyFanOutTests
{
    private static readonly MonoTime T0 = new(10_000);
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(2);

    private static RekeyFanOut FanOut(int members, int window) =>
        new("office", new EspSpi(0x1234), T0, T0 + TimeSpan.FromSeconds(30),
            Enumerable.Range(1, members).Select(i => (new IkeSpi((ulong)i), $"cpe{i}")).ToList(), Hold, window);

    private static List<IkeSpi> SendAll(RekeyFanOut f, MonoTime now)
    {
        var sent = new List<IkeSpi>();
        for (int room = f.Room(now); room > 0 && f.ToPush.TryDequeue(out var spi); room--)
        {
            f.Sent(spi, now);
            sent.Add(spi);
        }
        return sent;
    }

    [Test]
    public void SendsNoMoreThanTheWindowUnanswered()
    {
        using var f = FanOut(5, window: 3);
        Assert.That(SendAll(f, T0), Has.Count.EqualTo(3));
        Assert.That(f.Room(T0), Is.Zero);
        Assert.That(f.NextPushAt, Is.EqualTo(T0 + Hold), "a full window waits for an answer or the first retransmission");
    }

    [Test]
    public void GivesAnAnsweredPlaceToTheNextMember()
    {
        using var f = FanOut(5, window: 3);
        var sent = SendAll(f, T0);
        Assert.That(f.Acknowledged(sent[1]), Is.True);
        Assert.That(f.Acknowledged(sent[1]), Is.False, "counted once");
        Assert.That(f.NextPushAt, Is.EqualTo(T0), "room now");
        Assert.That(SendAll(f, T0 + TimeSpan.FromMilliseconds(1)), Is.EqualTo(new[] { new IkeSpi(4) }));
        Assert.That(f.Waiting, Has.Count.EqualTo(4));
    }

    [Test]
    public void FreesAPlaceHeldUntilTheFirstRetransmission()
    {
        using var f = FanOut(5, window: 3);
        SendAll(f, T0);
        Assert.That(f.Room(T0 + (Hold - TimeSpan.FromMilliseconds(1))), Is.Zero);
        Assert.That(f.Room(T0 + Hold), Is.EqualTo(3));
        Assert.That(f.Waiting, Has.Count.EqualTo(5), "still waited for: the retransmissions carry on");
    }

    [Test]
    public void FreesThePlaceOfAMemberThatIsGone()
    {
        using var f = FanOut(5, window: 3);
        var sent = SendAll(f, T0);
        Assert.That(f.Gone(sent[0]), Is.True);
        Assert.That(f.Room(T0), Is.EqualTo(1));
        Assert.That(f.InFlight, Is.EqualTo(2));
    }

    [Test]
    public void MakesOneMpsaPutForEveryMemberPushedWhileItsTimersReadTheSameSeconds()
    {
        using var sa = GroupSa.Generate(ControllerHarness.DefaultGroup(), new SeededRandom(3), T0, _ => false);
        using var f = FanOut(5, window: 3);
        var first = f.PutFor(sa, T0, T0);
        Assert.That(f.PutFor(sa, T0 + TimeSpan.FromMilliseconds(400), T0), Is.SameAs(first));
        var later = f.PutFor(sa, T0 + TimeSpan.FromMilliseconds(1500), T0);
        Assert.That(later, Is.Not.SameAs(first));
        Assert.That((later.LifetimeSeconds, later.Rollover1Seconds, later.Rollover2Seconds), Is.EqualTo(sa.Timers(T0 + TimeSpan.FromMilliseconds(1500), T0)));
        Assert.That(later.SkD.Span.ToArray(), Is.EqualTo(sa.SkD.Span.ToArray()));
    }

    [Test]
    public void HasNothingToPushOnceEveryMemberWasSentIt()
    {
        using var f = FanOut(2, window: 3);
        SendAll(f, T0);
        Assert.That(f.NextPushAt, Is.Null);
    }
}
