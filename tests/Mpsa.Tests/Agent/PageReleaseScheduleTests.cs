using Mpsa.Agent.Memory;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Agent;

public class PageReleaseScheduleTests
{
    private static readonly MonoTime Start = new(1_000_000);

    private static PageReleaseSchedule Schedule() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));

    /// <summary>The agent's: 2 s quiet, 10 s when back within 10 s of a release, once a minute at the latest.</summary>
    private static PageReleaseSchedule AgentSchedule() => new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));

    /// <summary>
    /// The seconds (of 0..<paramref name="until"/>) at which a release came, with an exchange at each of
    /// <paramref name="exchanges"/> and a control command at each of <paramref name="commands"/>.
    /// </summary>
    private static List<int> Releases(PageReleaseSchedule s, int until, int[] exchanges, int[]? commands = null)
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
            if (commands?.Contains(t) == true)
            {
                s.Command(now);
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
        Assert.That(Releases(Schedule(), 300, Every(5, 300)), Is.EqualTo(new[] { 60, 120, 180, 240, 300 }));
    }

    [Test]
    public void ExchangesFarApartEachGetTheirReleaseSoonAfter()
    {
        // liveness checks every 30 s: a release 2 s after each
        Assert.That(Releases(AgentSchedule(), 130, [0, 30, 60, 90, 120]), Is.EqualTo(new[] { 2, 32, 62, 92, 122 }));
    }

    [Test]
    public void ATrainOfExchangesReleasesOnceItPausesNotAfterEachOne()
    {
        // rekeys every 3 s from 0 to 30: the first gets its release at 2; the next, 1 s after it, waits for 10 quiet
        // seconds, which come after the last one (30); then a lone check at 60 is released 2 s after again
        Assert.That(Releases(AgentSchedule(), 70, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 60]), Is.EqualTo(new[] { 2, 40, 62 }));
    }

    [Test]
    public void AnEndlessTrainStillReleasesOnceAMinute()
    {
        Assert.That(Releases(AgentSchedule(), 300, Every(3, 300)), Is.EqualTo(new[] { 2, 63, 123, 183, 243 }));
    }

    [Test]
    public void ACommandInATrainIsReleasedAfterTheShortSpell()
    {
        // rekeys every 3 s, `status` at 10 (its pages are no rekey's): the first rekey's release at 2, the command's at
        // 12; then the train waits for its pause or the minute
        Assert.That(Releases(AgentSchedule(), 40, Every(3, 40), commands: [10]), Is.EqualTo(new[] { 2, 12 }));
    }

    private static int[] Every(int seconds, int until) => Enumerable.Range(0, until / seconds + 1).Select(i => i * seconds).ToArray();
}
