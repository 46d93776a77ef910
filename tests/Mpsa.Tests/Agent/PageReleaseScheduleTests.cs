using Mpsa.Agent.Memory;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Agent;

public class PageReleaseScheduleTests
{
    private static readonly MonoTime Start = new(1_000_000);

    private static PageReleaseSchedule Schedule() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));

    /// <summary>The agent's: 2 s quiet, 10 s when back within 10 s of a release, once a minute at the latest.</summary>
    private static PageReleaseSchedule AgentSchedule() => new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));

    /// <summary>The seconds (of 0..<paramref name="until"/>) at which a release came, with an exchange at each of <paramref name="exchanges"/>.</summary>
    private static List<int> Releases(PageReleaseSchedule s, int until, params int[] exchanges)
    {
        var releases = new List<int>();
        for (int t = 0; t <= until; t++)
        {
            var now = Start + TimeSpan.FromSeconds(t);
            if (s.TakeDue(now))
            {
                releases.Add(t);
            }
            if (exchanges.Contains(t))
            {
                s.Activity(now);
            }
        }
        return releases;
    }

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

    [Test]
    public void ExchangesFarApartEachGetTheirReleaseSoonAfter()
    {
        // liveness checks every 30 s: a release 2 s after each
        Assert.That(Releases(AgentSchedule(), 130, 0, 30, 60, 90, 120), Is.EqualTo(new[] { 2, 32, 62, 92, 122 }));
    }

    [Test]
    public void ATrainOfExchangesReleasesOnceItPausesNotAfterEachOne()
    {
        // rekeys every 3 s from 0 to 30: the first gets its release at 2; the next, 1 s after it, waits for 10 quiet
        // seconds, which come after the last one (30); then a lone check at 60 is released 2 s after again
        Assert.That(Releases(AgentSchedule(), 70, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 60), Is.EqualTo(new[] { 2, 40, 62 }));
    }

    [Test]
    public void AnEndlessTrainStillReleasesOnceAMinute()
    {
        var exchanges = Enumerable.Range(0, 200).Select(i => i * 3).ToArray();
        Assert.That(Releases(AgentSchedule(), 300, exchanges), Is.EqualTo(new[] { 2, 63, 123, 183, 243 }));
    }

    [Test]
    public void ACommandInATrainIsReleasedAfterTheShortSpell()
    {
        var s = AgentSchedule();
        var releases = new List<int>();
        for (int t = 0; t <= 40; t++)
        {
            var now = Start + TimeSpan.FromSeconds(t);
            if (s.TakeDue(now))
            {
                releases.Add(t);
            }
            if (t % 3 == 0)
            {
                s.Activity(now);   // rekeys every 3 s
            }
            if (t == 10)
            {
                s.Command(now);    // status: its pages are no rekey's
            }
        }
        // the first rekey's release at 2, the status's at 12; then the train waits for its pause (or the minute)
        Assert.That(releases, Is.EqualTo(new[] { 2, 12 }));
    }
}
