using Mpsa.Controller.State;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Groups;

/// <summary>
/// A group's current SA and, during a rollover, the next one (draft §3.3.3). Sans-I/O: the engine asks what to push
/// and when to wake. The rekey starts at LIFE − margin; the rollover ends ROLL2 after it starts, when the next SA
/// becomes current and the old one is forgotten.
/// </summary>
internal sealed partial class GroupKeyManager : IDisposable
{
    private readonly IRandom _random;
    /// <summary>SPIs not to use again: the group's recent SAs (members hold at most three, and drop each at its LIFE),
    /// bounded so that a group rekeyed for months does not grow without end.</summary>
    private const int RememberedSpis = 1024;

    private readonly HashSet<EspSpi> _usedSpis = [];
    private readonly Queue<EspSpi> _usedOrder = new();
    private MonoTime _rekeyNotBefore;
    private bool _rekeyOwed;   // a rekey was abandoned (its SA could not be stored): tried again at _rekeyNotBefore, whatever its cause
    private (GroupSa Sa, MonoTime StartedAt)? _superseded;   // the rollover a rekey replaced, until that rekey's SA is stored

    /// <param name="stored">The group's state from before a restart: served again when it fits the configuration and
    /// has time left (<see cref="Restored"/>), else <see cref="NotRestoredBecause"/> says why a new SA was made.</param>
    public GroupKeyManager(GroupConfig config, IRandom random, MonoTime now, StoredGroup? stored = null)
    {
        Config = config;
        _random = random;
        NotRestoredBecause = stored is null ? null : WhyNotRestore(config, stored, now);
        if (stored is not null && NotRestoredBecause is null)
        {
            foreach (var spi in stored.UsedSpis)
            {
                Remember(spi);
            }
            Current = GroupSa.Restore(config, stored.Current);
            if (stored.Next is not null)
            {
                Remember(stored.Next.Spi);
                Next = GroupSa.Restore(config, stored.Next);
                RolloverStartedAt = stored.RolloverStartedAt ?? now;
            }
            Remember(stored.Current.Spi);
            Restored = true;
        }
        else
        {
            Current = NewSa(now);
        }
        Dirty = true;
    }

    /// <summary>True when the SAs came from the state file.</summary>
    public bool Restored { get; }

    /// <summary>Why the state file's SAs were not taken (and a new SA was made), or null.</summary>
    public string? NotRestoredBecause { get; }

    /// <summary>Changed since the last <see cref="MarkSaved"/>: a new SA, a rollover ended.</summary>
    public bool Dirty { get; private set; }

    public void MarkSaved() => Dirty = false;

    public GroupConfig Config { get; private set; }
    public GroupSa Current { get; private set; }
    public GroupSa? Next { get; private set; }
    public MonoTime? RolloverStartedAt { get; private set; }

    public MonoTime RekeyAt => Current.ExpiresAt + -Config.RekeyMargin;

    /// <summary>How long after <see cref="RekeyAt"/> a group without a next SA counts as overdue: a following replica
    /// hears of the leader's rekey a few seconds late.</summary>
    public static readonly TimeSpan OverdueAfter = TimeSpan.FromSeconds(5);

    public MonoTime RekeyOverdueAt => RekeyAt + OverdueAfter;

    /// <summary>No next SA although the rekey should have started (the store refused it, or the leader has not
    /// rekeyed).</summary>
    public bool RekeyOverdue(MonoTime now) => Next is null && now >= RekeyOverdueAt;

    /// <summary>The rollover's end, else the rekey's start: a replica that does not lead has no rekey to start.</summary>
    public MonoTime? NextDeadline => RolloverStartedAt is { } s ? s + Config.Rollover2 : Leading ? (RekeyAt > _rekeyNotBefore && !_rekeyOwed ? RekeyAt : _rekeyNotBefore) : null;

    /// <summary>What a member gets when it connects: the current SA, and the next while a rollover runs. A current SA
    /// with less than 3 s left (too short for valid ROLL times) is left out: the next one takes over at once.</summary>
    public IReadOnlyList<MpsaPut> PutsForJoiner(MonoTime now)
    {
        if (Next is null)
        {
            return [Current.ToPut(now, null)];
        }
        return Current.Timers(now, null).Life < 3
            ? [Next.ToPut(now, RolloverStartedAt)]
            : [Current.ToPut(now, null), Next.ToPut(now, RolloverStartedAt)];
    }

    /// <summary>Advances the schedule; returns the SA whose rollover just started (to push to every member), if any.</summary>
    public GroupSa? OnTimeout(MonoTime now)
    {
        if (RolloverStartedAt is { } s && now >= s + Config.Rollover2)
        {
            Current.Dispose();
            Current = Next!;
            Next = null;
            RolloverStartedAt = null;
            Dirty = true;
        }
        return Next is null && (now >= RekeyAt || _rekeyOwed) && now >= _rekeyNotBefore && Leading ? StartRekey(now) : null;
    }

    /// <summary>Rekeys at once (member removed, draft §5.3). A rollover in progress is superseded: its SA was known to the removed member too.</summary>
    public GroupSa StartRekey(MonoTime now)
    {
        DropSuperseded();
        if (Next is not null)
        {
            _superseded = (Next, RolloverStartedAt ?? now);
        }
        Next = NewSa(now);
        RolloverStartedAt = now;
        return Next;
    }

    /// <summary>Drops the rekey just started (its SA could not be stored, so no member may hear of it); the next try is
    /// not before <paramref name="retryAt"/>.</summary>
    public void AbandonRekey(MonoTime retryAt)
    {
        Next?.Dispose();
        (Next, RolloverStartedAt) = _superseded is { } s ? (s.Sa, s.StartedAt) : ((GroupSa?)null, (MonoTime?)null);
        _superseded = null;
        _rekeyNotBefore = retryAt;
        _rekeyOwed = true;
        Dirty = false;
    }

    /// <summary>The rekey just started is stored: the rollover it replaced is gone for good, and no rekey is owed.</summary>
    public void RekeyStored()
    {
        DropSuperseded();
        _rekeyOwed = false;
    }

    private void DropSuperseded()
    {
        _superseded?.Sa.Dispose();
        _superseded = null;
    }

    /// <summary>Takes new timers and suite for SAs made from now on; the SAs already pushed keep theirs.</summary>
    public void Reconfigure(GroupConfig config) => Config = config;

    /// <summary>What the state file keeps of this group (copies: the caller disposes them).</summary>
    public StoredGroup ToStored() =>
        new(Config.Name, Current.ToStored(), Next?.ToStored(), Next is null ? null : RolloverStartedAt, [.. _usedOrder]);

    private static string? WhyNotRestore(GroupConfig config, StoredGroup stored, MonoTime now)
    {
        foreach (var sa in (ReadOnlySpan<StoredSa?>)[stored.Current, stored.Next])
        {
            if (sa is not null && (sa.Esp != config.Esp || sa.Prf != config.Prf))
            {
                return $"its SA {sa.Spi} uses {SuiteNames.Name(sa.Esp)} and {SuiteNames.PrfName(sa.Prf)}, the configuration now {SuiteNames.Name(config.Esp)} and {SuiteNames.PrfName(config.Prf)}";
            }
        }
        // A rollover that ended while the controller was stopped leaves the next SA current.
        var current = stored.Next is not null && stored.RolloverStartedAt is { } s && now >= s + config.Rollover2 ? stored.Next : stored.Current;
        return current.ExpiresAt <= now ? $"its SA {current.Spi} expired while the controller was stopped" : null;
    }

    private GroupSa NewSa(MonoTime now)
    {
        var sa = GroupSa.Generate(Config, _random, now, _usedSpis.Contains);
        Remember(sa.Spi);
        Dirty = true;
        return sa;
    }

    private void Remember(EspSpi spi)
    {
        if (!_usedSpis.Add(spi))
        {
            return;
        }
        _usedOrder.Enqueue(spi);
        if (_usedOrder.Count > RememberedSpis)
        {
            _usedSpis.Remove(_usedOrder.Dequeue());
        }
    }

    public void Dispose()
    {
        Current.Dispose();
        Next?.Dispose();
        DropSuperseded();
    }
}
