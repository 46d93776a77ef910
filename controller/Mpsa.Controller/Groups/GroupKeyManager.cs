using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Groups;

/// <summary>
/// A group's current SA and, during a rollover, the next one (draft §3.3.3). Sans-I/O: the engine asks what to push
/// and when to wake. The rekey starts at LIFE − margin; the rollover ends ROLL2 after it starts, when the next SA
/// becomes current and the old one is forgotten.
/// </summary>
internal sealed class GroupKeyManager : IDisposable
{
    private readonly IRandom _random;
    /// <summary>SPIs not to use again: the group's recent SAs (members hold at most three, and drop each at its LIFE),
    /// bounded so that a group rekeyed for months does not grow without end.</summary>
    private const int RememberedSpis = 1024;

    private readonly HashSet<EspSpi> _usedSpis = [];
    private readonly Queue<EspSpi> _usedOrder = new();

    public GroupKeyManager(GroupConfig config, IRandom random, MonoTime now)
    {
        Config = config;
        _random = random;
        Current = NewSa(now);
    }

    public GroupConfig Config { get; private set; }
    public GroupSa Current { get; private set; }
    public GroupSa? Next { get; private set; }
    public MonoTime? RolloverStartedAt { get; private set; }

    public MonoTime RekeyAt => Current.ExpiresAt + -Config.RekeyMargin;

    public MonoTime NextDeadline => RolloverStartedAt is { } s ? s + Config.Rollover2 : RekeyAt;

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
        }
        return Next is null && now >= RekeyAt ? StartRekey(now) : null;
    }

    /// <summary>Rekeys at once (member removed, draft §5.3). A rollover in progress is superseded: its SA was known to the removed member too.</summary>
    public GroupSa StartRekey(MonoTime now)
    {
        if (Next is not null)
        {
            Next.Dispose();
        }
        Next = NewSa(now);
        RolloverStartedAt = now;
        return Next;
    }

    /// <summary>Takes new timers and suite for SAs made from now on; the SAs already pushed keep theirs.</summary>
    public void Reconfigure(GroupConfig config) => Config = config;

    private GroupSa NewSa(MonoTime now)
    {
        var sa = GroupSa.Generate(Config, _random, now, _usedSpis.Contains);
        _usedSpis.Add(sa.Spi);
        _usedOrder.Enqueue(sa.Spi);
        if (_usedOrder.Count > RememberedSpis)
        {
            _usedSpis.Remove(_usedOrder.Dequeue());
        }
        return sa;
    }

    public void Dispose()
    {
        Current.Dispose();
        Next?.Dispose();
    }
}
