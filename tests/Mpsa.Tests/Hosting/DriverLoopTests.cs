using System.Net;
using Mpsa.Hosting;
using Mpsa.Sockets;
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
    public async Task EndsEachTurnAfterItsInputsAndTimeouts()
    {
        var loop = new DriverLoop<int>();
        var seen = new List<string>();
        loop.EndOfTurn = () => seen.Add("end");
        for (int i = 0; i < 3; i++)
        {
            loop.Post(i);
        }
        MonoTime? next = DriverLoop<int>.Now;

        await loop.RunAsync(() => next, i => seen.Add($"in{i}"), _ =>
        {
            seen.Add("timeout");
            next = null;
        }, CancellationToken.None, done: () => seen.Contains("end")).WaitAsync(Patience);

        Assert.That(seen, Is.EqualTo(new[] { "in0", "in1", "in2", "timeout", "end" }), "the controller sends what a turn queued once the turn is over");
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

    [TestCase(true)]
    [TestCase(false)]
    public async Task RunsOnItsOwnThreadInOrderAndWakesForInputsAndDeadlines(bool spinBeforeSleep)
    {
        var loop = new DriverLoop<int>(spinBeforeSleep);
        var seen = new List<int>();
        var threads = new HashSet<string?>();
        var deadline = DriverLoop<int>.Now + TimeSpan.FromMilliseconds(30);
        MonoTime? next = deadline;
        MonoTime? woke = null;
        var run = loop.RunOnThreadAsync(() => next, i =>
        {
            threads.Add(Thread.CurrentThread.Name);
            seen.Add(i);
        }, now =>
        {
            threads.Add(Thread.CurrentThread.Name);
            if (next is { } d && now >= d)
            {
                woke = now;
                next = null;
            }
        }, CancellationToken.None, done: () => seen.Count == 1000 && woke is not null, threadName: "loop-test");

        await Task.Delay(60);   // asleep with no deadline left: the posts must wake it
        var feeders = Enumerable.Range(0, 4).Select(f => Task.Run(() =>
        {
            for (int i = f * 250; i < (f + 1) * 250; i++)
            {
                loop.Post(i);
            }
        })).ToArray();
        await Task.WhenAll(feeders);
        await run.WaitAsync(Patience);

        Assert.That(seen.Order(), Is.EqualTo(Enumerable.Range(0, 1000)));
        Assert.That(woke, Is.GreaterThanOrEqualTo(deadline));
        Assert.That(threads, Is.EqualTo(new[] { "loop-test" }));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task EndsItsThreadWhenCancelledAndFaultsWithAHandlersException(bool spinBeforeSleep)
    {
        var loop = new DriverLoop<string>(spinBeforeSleep);
        using var stop = new CancellationTokenSource();
        var run = loop.RunOnThreadAsync(() => null, _ => { }, _ => { }, stop.Token);
        await Task.Delay(20);
        await stop.CancelAsync();
        await run.WaitAsync(Patience);
        Assert.That(run.IsCompletedSuccessfully, Is.True);

        var failing = loop.RunOnThreadAsync(() => null, _ => throw new InvalidDataException("handler"), _ => { }, CancellationToken.None);
        loop.Post("boom");
        Assert.ThrowsAsync<InvalidDataException>(async () => await failing.WaitAsync(Patience));
    }

    [Test]
    public async Task ALoopGivenItsSocketsReceivesFromThemOnItsThreadBesidePostsAndDeadlines()
    {
        using var sender = new UdpEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
        using var a = new UdpEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = new UdpEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
        using var poll = new SocketPoll([a.Socket, b.Socket]);
        var loop = new DriverLoop<string>();
        var seen = new List<string>();
        var threads = new HashSet<string?>();
        void Take(string what)
        {
            threads.Add(Thread.CurrentThread.Name);
            seen.Add(what);
        }
        var handlers = new DatagramHandler[] { (d, _) => Take($"a{d.Span[0]}"), (d, _) => Take($"b{d.Span[0]}") };
        var endpoints = new[] { a, b };
        loop.ReceiveFrom(poll, i => endpoints[i].ReceiveWaiting(handlers[i], 2));
        MonoTime? next = DriverLoop<string>.Now + TimeSpan.FromMilliseconds(100);
        using var stop = new CancellationTokenSource();
        var run = loop.RunOnThreadAsync(() => next, Take, _ =>
        {
            Take("deadline");
            next = null;
        }, stop.Token, threadName: "loop-test");

        await Task.Delay(30);   // asleep in the poll
        for (byte i = 0; i < 5; i++)
        {
            sender.SendTo(new[] { i }, a.LocalEndPoint);
        }
        sender.SendTo(new byte[] { 9 }, b.LocalEndPoint);
        loop.Post("post");
        await WaitUntilAsync(() => seen.Count >= 8);
        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        Assert.That(seen.Where(s => s[0] == 'a'), Is.EqualTo(new[] { "a0", "a1", "a2", "a3", "a4" }), "in order, two per turn");
        Assert.That(seen, Does.Contain("b9").And.Contain("post").And.Contain("deadline"));
        Assert.That(threads, Is.EqualTo(new[] { "loop-test" }));
        Assert.ThrowsAsync<InvalidOperationException>(() => loop.RunAsync(() => null, _ => { }, _ => { }, CancellationToken.None),
            "a polling loop runs on its own thread");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(until), "timed out");
            await Task.Delay(10);
        }
    }

    [Test]
    public void ALoopThatSleepsWithoutSpinningRunsOnlyOnItsOwnThread()
    {
        var loop = new DriverLoop<string>(spinBeforeSleep: false);
        Assert.ThrowsAsync<InvalidOperationException>(() => loop.RunAsync(() => null, _ => { }, _ => { }, CancellationToken.None));
    }

    [Test]
    public void ASleepingWakeKeepsItsSignalUntilAWaitTakesIt()
    {
        var wake = new SleepingWake();
        Assert.That(wake.Wait(0), Is.False);
        wake.Set();
        wake.Set();
        Assert.That(wake.Wait(-1), Is.True);
        Assert.That(wake.Wait(1), Is.False);

        var setter = Task.Run(wake.Set);
        Assert.That(wake.Wait(-1), Is.True);
        setter.Wait(Patience);
    }
}
