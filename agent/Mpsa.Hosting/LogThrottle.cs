using Mpsa.Ike.Exchanges;

namespace Mpsa.Hosting;

/// <summary>
/// At most one log line per source (an address, a limit's name) every <see cref="Interval"/>: the first goes out, the
/// rest of that interval are counted, and the next line that goes out says how many were not logged. A flood from
/// many sources cannot grow it without bound: it tracks at most <see cref="MaxSources"/> sources (dropping those whose
/// interval is over first), and beyond them all untracked sources share one budget.
/// </summary>
internal sealed class LogThrottle<TSource>(TimeSpan interval, int maxSources = 1024)
    where TSource : notnull
{
    private readonly Dictionary<TSource, Window> _sources = [];
    private Window? _untracked;

    public TimeSpan Interval { get; } = interval;

    public int MaxSources { get; } = maxSources;

    /// <summary>Whether to log this one from <paramref name="source"/>; if so, <paramref name="suppressed"/> is how many
    /// of its lines were not logged since the last one that was.</summary>
    public bool ShouldLog(TSource source, MonoTime now, out long suppressed)
    {
        if (!_sources.TryGetValue(source, out var window))
        {
            if (_sources.Count >= MaxSources)
            {
                Prune(now);
            }
            if (_sources.Count >= MaxSources)
            {
                window = _untracked ??= new Window();
                return Pass(window, now, out suppressed);
            }
            window = new Window();
            _sources.Add(source, window);
        }
        return Pass(window, now, out suppressed);
    }

    private bool Pass(Window window, MonoTime now, out long suppressed)
    {
        if (window.IsOpenAt(now, Interval))
        {
            window.Suppressed++;
            suppressed = 0;
            return false;
        }
        suppressed = window.Suppressed;
        window.LoggedAt = now;
        window.Suppressed = 0;
        return true;
    }

    /// <summary>Forgets the sources whose interval is over (what they suppressed goes with them: they stayed quiet).</summary>
    private void Prune(MonoTime now)
    {
        foreach (var (source, window) in _sources)
        {
            if (!window.IsOpenAt(now, Interval))
            {
                _sources.Remove(source);
            }
        }
    }

    private sealed class Window
    {
        /// <summary>When the last line went out; null before the first.</summary>
        public MonoTime? LoggedAt { get; set; }

        public long Suppressed { get; set; }

        /// <summary>Within the interval that began with the last line: later lines are counted, not logged.</summary>
        public bool IsOpenAt(MonoTime now, TimeSpan interval) => LoggedAt is { } at && now < at + interval;
    }
}
