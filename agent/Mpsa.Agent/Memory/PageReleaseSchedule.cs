using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent.Memory;

/// <summary>
/// When the daemon hands its file pages back (<see cref="FilePages"/>): a quiet spell after an exchange, or, when
/// exchanges never leave such a spell (a rekey or liveness check every few seconds), at the latest a fixed time after
/// the first exchange since the last release, so the pages an exchange faulted in do not stay resident for good.
/// An exchange that comes within <c>closeQuiet</c> of the last release waits for that longer spell instead: exchanges
/// that close together fault each release's pages straight back in, so a train of them releases once it pauses (or at
/// the bound), while one on its own (a liveness check every 30 s, a rekey hours apart) still gets its release soon after.
/// </summary>
internal sealed class PageReleaseSchedule(TimeSpan quiet, TimeSpan longest, TimeSpan closeQuiet)
{
    private MonoTime? _busySince;
    private MonoTime? _releasedAt;
    private TimeSpan _quiet;
    private MonoTime? _commandDue;

    /// <summary>When the release is due; null while nothing happened since the last one.</summary>
    public MonoTime? Due { get; private set; }

    /// <summary>An exchange happened: the quiet spell starts again, but not past <c>longest</c> after the first one.</summary>
    public void Activity(MonoTime now)
    {
        if (_busySince is null)
        {
            _busySince = now;
            _quiet = _releasedAt is { } released && now - released < closeQuiet ? closeQuiet : quiet;
        }
        Due = MonoTime.Min(MonoTime.Min(now + _quiet, _busySince.Value + longest), _commandDue);
    }

    /// <summary>
    /// A control command ran (`status`): what it touched is no exchange's, so it goes back after the short spell even
    /// in a train of exchanges.
    /// </summary>
    public void Command(MonoTime now)
    {
        _commandDue ??= now + quiet;
        Activity(now);
    }

    /// <summary>True (once) when the release is due at <paramref name="now"/>.</summary>
    public bool TakeDue(MonoTime now)
    {
        if (Due is not { } due || now < due)
        {
            return false;
        }
        Due = null;
        _busySince = null;
        _commandDue = null;
        _releasedAt = now;
        return true;
    }
}
