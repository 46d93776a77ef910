namespace Mpsa.Tests.Hosting;

/// <summary>A clock that moves only when told: timestamps in milliseconds, timers fire inside <see cref="Advance"/>.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private long _now;

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    /// <summary>Timers waiting to fire.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    /// <summary>Waits until someone has set a timer for <paramref name="at"/>: then advancing past it wakes them.</summary>
    public async Task TimerSetForAsync(long at)
    {
        for (int i = 0; i < 1000; i++)
        {
            lock (_lock)
            {
                if (_timers.Any(t => t.DueAt == at))
                {
                    return;
                }
            }
            await Task.Delay(10);
        }
        Assert.Fail($"no timer was set for {at}");
    }

    public void Advance(long milliseconds)
    {
        List<ManualTimer> due;
        lock (_lock)
        {
            _now += milliseconds;
            due = [.. _timers.Where(t => t.DueAt <= _now)];
            foreach (var timer in due)
            {
                timer.DueAt = null;
            }
        }
        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_lock)
        {
            _timers.Add(timer);
        }
        return timer;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long? DueAt { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + (long)dueTime.TotalMilliseconds;
            }
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._lock)
            {
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
