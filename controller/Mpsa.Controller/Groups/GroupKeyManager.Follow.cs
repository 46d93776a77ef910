using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller.Groups;

/// <summary>
/// A cluster replica that is not the key leader makes no SA and decides no rekey: it takes the leader's state
/// (<see cref="Adopt"/>, from etcd) and pushes what is new to its own members. The rollover's end follows from the
/// rollover's start, which the leader stored, so every replica switches at the same moment; a replica that becomes
/// leader finishes a rollover in progress with the same next SA.
/// </summary>
internal sealed partial class GroupKeyManager
{
    /// <summary>False on a replica that is not the key leader: <see cref="OnTimeout"/> then starts no rekey.</summary>
    public bool Leading { get; set; } = true;

    /// <summary>Takes the leader's state of this group; returns the SA the members here have to be told of (a new next SA,
    /// or a current one this replica never saw), or null when nothing is new to them.</summary>
    public GroupSa? Adopt(StoredGroup stored, MonoTime now)
    {
        GroupSa? news = null;
        if (stored.Current.Spi != Current.Spi)
        {
            Current.Dispose();
            if (Next?.Spi == stored.Current.Spi)
            {
                Current = Next;   // the rollover ended at the leader first
                Next = null;
                RolloverStartedAt = null;
            }
            else
            {
                Remember(stored.Current.Spi);
                Current = GroupSa.Restore(Config, stored.Current);
                news = Current;
            }
        }
        if (stored.Next is { } next && Next?.Spi != next.Spi)
        {
            Next?.Dispose();
            Remember(next.Spi);
            Next = GroupSa.Restore(Config, next);
            RolloverStartedAt = stored.RolloverStartedAt ?? now;
            news = Next;
        }
        else if (stored.Next is null && Next is not null)
        {
            Next.Dispose();   // the leader has no rollover: this one ended, or never was
            Next = null;
            RolloverStartedAt = null;
        }
        if (news is not null)
        {
            _rekeyOwed = false;   // the leader rekeyed
        }
        return news;
    }
}
