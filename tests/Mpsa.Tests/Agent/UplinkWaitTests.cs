using System.Net;
using Mpsa.Agent.Uplink;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Agent;

/// <summary>The wait at start for an uplink, in memory: the probe and the change signal are the test's.</summary>
public class UplinkWaitTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);
    private static readonly IPAddress Source = IPAddress.Parse("198.51.100.2");

    [Test]
    public async Task ReturnsAtOnceAndSaysNothingWhenTheControllerIsReachable()
    {
        var log = new RecordingLogger();
        bool watched = false;
        var source = await Task.Run(() => UplinkWait.UntilUp(() => new UplinkState(Source, null), _ => { watched = true; return null; }, log, Long, Long,
            CancellationToken.None));
        Assert.That(source, Is.EqualTo(Source));
        Assert.That(watched, Is.False, "no monitor when nothing is missing");
        Assert.That(log.Lines, Is.Empty);
    }

    [Test]
    public async Task LogsOnceAndLooksAgainOnlyWhenAChangeIsSignalled()
    {
        var log = new RecordingLogger();
        int probes = 0;
        bool up = false;
        Action? signal = null;
        var wait = Task.Run(() => UplinkWait.UntilUp(() => { Interlocked.Increment(ref probes); return Volatile.Read(ref up) ? new UplinkState(Source, null) : new UplinkState(null, "no route towards the controller 198.51.100.1"); },
            changed => { signal = changed; return null; }, log, Long, Long, CancellationToken.None));
        await Task.Delay(200);
        int before = Volatile.Read(ref probes);
        Assert.That(before, Is.EqualTo(2), "the first look, and one more once the monitor listens");
        signal!();
        signal!();
        await Task.Delay(200);
        Assert.That(wait.IsCompleted, Is.False, "a change that brings nothing: still waiting");
        Assert.That(Volatile.Read(ref probes), Is.InRange(3, 4), "a look per change, no busy retry");
        Volatile.Write(ref up, true);
        signal!();
        Assert.That(await wait.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(Source));
        Assert.That(log.Count(103), Is.EqualTo(1));
        Assert.That(log.Lines.Single(l => l.EventId == 103).Text, Does.Contain("no route towards the controller 198.51.100.1"));
        Assert.That(log.Count(104), Is.EqualTo(1));
    }

    [Test]
    public async Task SaysAgainWhatIsMissingOnlyWhenThatChanges()
    {
        var log = new RecordingLogger();
        string? missing = "no route towards the controller 198.51.100.1";
        Action? signal = null;
        var wait = Task.Run(() => UplinkWait.UntilUp(() => Volatile.Read(ref missing) is { } m ? new UplinkState(null, m) : new UplinkState(Source, null),
            changed => { signal = changed; return null; }, log, Long, Long, CancellationToken.None));
        await Task.Delay(200);
        signal!();
        await Task.Delay(100);
        Volatile.Write(ref missing, "no route towards the controller 203.0.113.1");
        signal!();
        await Task.Delay(100);
        signal!();
        await Task.Delay(100);
        Volatile.Write(ref missing, null);
        signal!();
        Assert.That(await wait.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(Source));
        Assert.That(log.Lines.Where(l => l.EventId == 103).Select(l => l.Text), Is.EqualTo(new[]
        {
            "waiting for the uplink: no route towards the controller 198.51.100.1; connecting as soon as an address or route change brings it",
            "waiting for the uplink: no route towards the controller 203.0.113.1; connecting as soon as an address or route change brings it",
        }));
    }

    [Test]
    public async Task WithoutAMonitorItPollsAtThePollInterval()
    {
        var log = new RecordingLogger();
        int probes = 0;
        var source = await Task.Run(() => UplinkWait.UntilUp(
            () => Interlocked.Increment(ref probes) < 4 ? new UplinkState(null, "no route") : new UplinkState(Source, null),
            _ => null, log, Long, TimeSpan.FromMilliseconds(20), CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(source, Is.EqualTo(Source));
        Assert.That(probes, Is.EqualTo(4));
    }

    [Test]
    public async Task AStopWhileWaitingReturnsNullAndDisposesTheMonitor()
    {
        using var stop = new CancellationTokenSource();
        var monitor = new Disposable();
        var wait = Task.Run(() => UplinkWait.UntilUp(() => new UplinkState(null, "no route"), _ => monitor, new RecordingLogger(), Long, Long, stop.Token));
        await Task.Delay(100);
        await stop.CancelAsync();
        Assert.That(await wait.WaitAsync(TimeSpan.FromSeconds(10)), Is.Null);
        Assert.That(monitor.Disposed, Is.True);
    }

    private sealed class Disposable : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
