using Mpsa.Agent.Memory;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Agent;

public class PageReleaseScheduleTests
{
    private static readonly MonoTime Start = new(1_000_000);

    private static PageReleaseSchedule Schedule() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));

    [Test]
    public void NothingIsDueBeforeAnyExchange()
    {
        var s = Schedule();
        Assert.That(s.Due, Is.Null);
        Assert.That(s.TakeDue(Start + TimeSpan.FromHours(1)), Is.False);
    }

    [Test]
    public void ReleasesAfterAQuietSpellFollowingTheLastExchange()
    {
        var s = Schedule();
        s.Activity(Start);
        s.Activity(Start + TimeSpan.FromSeconds(4));
        Assert.That(s.Due, Is.EqualTo(Start + TimeSpan.FromSeconds(14)));
        Assert.That(s.TakeDue(Start + TimeSpan.FromSeconds(13)), Is.False);
        Assert.That(s.TakeDue(Start + TimeSpan.FromSeconds(14)), Is.True);
        Assert.That(s.TakeDue(Start + TimeSpan.FromSeconds(15)), Is.False, "once per spell");
        Assert.That(s.Due, Is.Null);
    }

    [Test]
    public void ExchangesEveryFewSecondsStillReleaseOnceAMinute()
    {
        var s = Schedule();
        var releases = new List<double>();
        for (int t = 0; t <= 300; t++)
        {
            var now = Start + TimeSpan.FromSeconds(t);
            if (s.TakeDue(now))
            {
                releases.Add(t);
            }
            if (t % 5 == 0)
            {
                s.Activity(now);
            }
        }
        Assert.That(releases, Is.EqualTo(new double[] { 60, 120, 180, 240, 300 }));
    }
}
