using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent.Memory;

/// <summary>
/// When the daemon hands its file pages back (<see cref="FilePages"/>): after a quiet spell following an exchange, or,
/// when exchanges never leave such a spell (a rekey or liveness check every few seconds), at the latest a fixed time
/// after the first exchange since the last release, so the pages an exchange faulted in do not stay resident for good.
/// </summary>
internal sealed class PageReleaseSchedule(TimeSpan quiet, TimeSpan longest)
{
    private MonoTime? _busySince;

    /// <summary>When the release is due; null while nothing happened since the last one.</summary>
    public MonoTime? Due { get; private set; }

    /// <summary>An exchange happened: the quiet spell starts again, but not past <c>longest</c> after the first one.</summary>
    public void Activity(MonoTime now)
    {
        _busySince ??= now;
        Due = MonoTime.Min(now + quiet, _busySince.Value + longest);
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
        return true;
    }
}
