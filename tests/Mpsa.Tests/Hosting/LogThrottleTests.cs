using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Hosting;

/// <summary>One log line per source and interval, the rest counted; bounded however many sources there are.</summary>
public class LogThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Test]
    public void LogsOncePerIntervalPerSourceAndCountsTheRest()
    {
        var throttle = new LogThrottle<string>(Interval);
        var t0 = new MonoTime(0);
        int logged = Enumerable.Range(0, 100).Count(i => throttle.ShouldLog("a", t0 + TimeSpan.FromMilliseconds(i), out _));
        Assert.That(logged, Is.EqualTo(1));
        Assert.That(throttle.ShouldLog("b", t0 + TimeSpan.FromSeconds(1), out long none), Is.True, "another source has its own budget");
        Assert.That(none, Is.Zero);
        Assert.That(throttle.ShouldLog("a", t0 + TimeSpan.FromSeconds(9.9), out _), Is.False);
        Assert.That(throttle.ShouldLog("a", t0 + Interval, out long suppressed), Is.True);
        Assert.That(suppressed, Is.EqualTo(100), "99 in the burst, 1 later in the interval");
        Assert.That(throttle.ShouldLog("a", t0 + Interval + Interval, out suppressed), Is.True);
        Assert.That(suppressed, Is.Zero);
    }

    [Test]
    public void TracksAtMostMaxSourcesAndLetsTheRestShareOneBudget()
    {
        var throttle = new LogThrottle<int>(Interval, maxSources: 4);
        var t0 = new MonoTime(0);
        Assert.That(Enumerable.Range(0, 4).All(s => throttle.ShouldLog(s, t0, out _)), Is.True);
        // Sources 4..999 while the first four are within their interval: one line for all of them.
        Assert.That(Enumerable.Range(4, 996).Count(s => throttle.ShouldLog(s, t0, out _)), Is.EqualTo(1));
        // Once the intervals are over the tracked ones make room again.
        Assert.That(throttle.ShouldLog(5000, t0 + Interval, out _), Is.True);
        Assert.That(throttle.ShouldLog(5000, t0 + Interval, out _), Is.False);
        Assert.That(throttle.ShouldLog(5001, t0 + Interval, out _), Is.True);
    }
}
