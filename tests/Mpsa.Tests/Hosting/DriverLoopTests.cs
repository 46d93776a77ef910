using System.Threading.Channels;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Hosting;

public class DriverLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Records what it is given; its deadline is whatever the test sets.</summary>
    private sealed class Recorder : IDriver<string>, IDisposable
    {
        private readonly SemaphoreSlim _steps = new(0);

        public List<string> Log { get; } = [];

        public MonoTime? NextDeadline { get; set; }

        public Func<MonoTime, MonoTime?> AfterTimeout { get; set; } = _ => null;

        public void HandleInput(string input, MonoTime now)
        {
            Log.Add($"{input}@{now.Milliseconds}");
            _steps.Release();
        }

        public void HandleTimeout(MonoTime now)
        {
            Log.Add($"timeout@{now.Milliseconds}");
            NextDeadline = AfterTimeout(now);
            _steps.Release();
        }

        public void Dispose() => _steps.Dispose();

        public async Task StepsAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.That(await _steps.WaitAsync(Patience), Is.True, "the loop did not take a step");
            }
        }
    }

    [Test]
    public async Task ProcessesInputsInOrder()
    {
        var inbox = Channel.CreateUnbounded<string>();
        using var driver = new Recorder();
        var time = new ManualTimeProvider();
        var loop = new DriverLoop<string>(inbox.Reader, driver, time);
        for (int i = 0; i < 50; i++)
        {
            inbox.Writer.TryWrite($"early{i}");
        }

        var run = loop.RunAsync(CancellationToken.None);
        await driver.StepsAsync(50);
        for (int i = 0; i < 50; i++)
        {
            inbox.Writer.TryWrite($"late{i}");
        }
        inbox.Writer.Complete();
        await run.WaitAsync(Patience);

        Assert.That(driver.Log, Is.EqualTo(
            Enumerable.Range(0, 50).Select(i => $"early{i}@0").Concat(Enumerable.Range(0, 50).Select(i => $"late{i}@0"))));
        Assert.That(loop.Inputs, Is.EqualTo(100));
    }

    [Test]
    public async Task WakesAtTheDeadlineAndNotBefore()
    {
        var inbox = Channel.CreateUnbounded<string>();
        using var driver = new Recorder { NextDeadline = new MonoTime(1000), AfterTimeout = now => now + TimeSpan.FromSeconds(1) };
        var time = new ManualTimeProvider();
        var loop = new DriverLoop<string>(inbox.Reader, driver, time);
        var run = loop.RunAsync(CancellationToken.None);

        await time.TimerSetForAsync(1000);
        time.Advance(999);
        inbox.Writer.TryWrite("a");          // an input at 999 comes first: the deadline has not come yet
        await driver.StepsAsync(1);
        time.Advance(1);                     // 1000: the timer fires, the next deadline is 2000
        await driver.StepsAsync(1);
        await time.TimerSetForAsync(2000);
        time.Advance(1500);                  // 2500: late, but exactly one timeout, at the time it runs
        await driver.StepsAsync(1);
        inbox.Writer.Complete();
        await run.WaitAsync(Patience);

        Assert.That(driver.Log, Is.EqualTo(new[] { "a@999", "timeout@1000", "timeout@2500" }));
        Assert.That(loop.Timeouts, Is.EqualTo(2));
    }

    [Test]
    public async Task HandlesADueDeadlineBeforeQueuedInputs()
    {
        var inbox = Channel.CreateUnbounded<string>();
        using var driver = new Recorder { NextDeadline = new MonoTime(0) };
        inbox.Writer.TryWrite("a");
        inbox.Writer.TryWrite("b");
        inbox.Writer.Complete();

        await new DriverLoop<string>(inbox.Reader, driver, new ManualTimeProvider()).RunAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.That(driver.Log, Is.EqualTo(new[] { "timeout@0", "a@0", "b@0" }));
    }

    [Test]
    public async Task FollowsADeadlineThatMovesEarlier()
    {
        var inbox = Channel.CreateUnbounded<string>();
        using var driver = new Recorder { NextDeadline = new MonoTime(10_000) };
        var time = new ManualTimeProvider();
        var run = new DriverLoop<string>(inbox.Reader, driver, time).RunAsync(CancellationToken.None);

        time.Advance(100);
        driver.NextDeadline = new MonoTime(500);   // as an input would move it
        inbox.Writer.TryWrite("x");
        await driver.StepsAsync(1);
        await time.TimerSetForAsync(500);
        time.Advance(400);
        await driver.StepsAsync(1);
        inbox.Writer.Complete();
        await run.WaitAsync(Patience);

        Assert.That(driver.Log, Is.EqualTo(new[] { "x@100", "timeout@500" }));
        Assert.That(time.PendingTimers, Is.Zero);
    }

    [Test]
    public async Task StopsWhenCancelled()
    {
        var inbox = Channel.CreateUnbounded<string>();
        using var driver = new Recorder { NextDeadline = new MonoTime(60_000) };
        using var stop = new CancellationTokenSource();
        var run = new DriverLoop<string>(inbox.Reader, driver, new ManualTimeProvider()).RunAsync(stop.Token);

        await stop.CancelAsync();

        await run.WaitAsync(Patience);
        Assert.That(run.IsCompletedSuccessfully, Is.True);
        Assert.That(driver.Log, Is.Empty);
    }

    [Test]
    public async Task RunsOnTheSystemClock()
    {
        var inbox = Channel.CreateUnbounded<string>();
        var start = MonoClock.Now;
        using var driver = new Recorder { NextDeadline = start + TimeSpan.FromMilliseconds(20) };
        var loop = new DriverLoop<string>(inbox.Reader, driver);
        var run = loop.RunAsync(CancellationToken.None);

        await driver.StepsAsync(1);
        inbox.Writer.Complete();
        await run.WaitAsync(Patience);

        Assert.That(loop.Timeouts, Is.EqualTo(1));
        Assert.That(loop.Now, Is.GreaterThanOrEqualTo(start + TimeSpan.FromMilliseconds(20)));
    }
}
