using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Hosting;

/// <summary>The shared driver loop on the real monotonic clock; assertions are on order and on "not before", never on durations.</summary>
public class DriverLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Test]
    public async Task ProcessesInputsInOrder()
    {
        var loop = new DriverLoop<int>();
        var seen = new List<int>();
        for (int i = 0; i < 100; i++)
        {
            Assert.That(loop.Post(i), Is.True);
        }
        var feeder = Task.Run(() =>
        {
            for (int i = 100; i < 1000; i++)
            {
                loop.Post(i);
            }
        });

        await loop.RunAsync(() => null, seen.Add, _ => Assert.Fail("no deadline was set"), CancellationToken.None,
            done: () => seen.Count == 1000).WaitAsync(Patience);
        await feeder;

        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 1000)));
    }

    [Test]
    public async Task WakesAtTheDeadlineAndNotBefore()
    {
        var loop = new DriverLoop<string>();
        var deadline = DriverLoop<string>.Now + TimeSpan.FromMilliseconds(50);
        MonoTime? next = deadline;
        var woke = new List<MonoTime>();

        await loop.RunAsync(() => next, _ => { }, now =>
        {
            if (next is { } d && now >= d)
            {
                woke.Add(now);
                next = null;
            }
        }, CancellationToken.None, done: () => woke.Count == 1).WaitAsync(Patience);

        Assert.That(woke, Has.Count.EqualTo(1));
        Assert.That(woke[0], Is.GreaterThanOrEqualTo(deadline));
    }

    [Test]
    public async Task HandlesInputsThatArriveWhileItSleeps()
    {
        var loop = new DriverLoop<string>();
        var seen = new List<string>();
        var farDeadline = DriverLoop<string>.Now + TimeSpan.FromHours(1);
        var run = loop.RunAsync(() => farDeadline, seen.Add, _ => Assert.Fail("the deadline is an hour away"), CancellationToken.None,
            done: () => seen.Count == 2);

        await Task.Delay(20);
        loop.Post("a");
        loop.Post("b");
        await run.WaitAsync(Patience);

        Assert.That(seen, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task StopsWhenCancelledOrAtItsEnd()
    {
        var loop = new DriverLoop<string>();
        using var stop = new CancellationTokenSource();
        var run = loop.RunAsync(() => null, _ => { }, _ => { }, stop.Token);

        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        var until = DriverLoop<string>.Now + TimeSpan.FromMilliseconds(30);
        await loop.RunAsync(() => null, _ => { }, _ => { }, CancellationToken.None, until).WaitAsync(Patience);
        Assert.That(DriverLoop<string>.Now, Is.GreaterThanOrEqualTo(until));
    }
}
