using Mpsa.Controller.Groups;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>
/// One rekey's push to every connected member: who has still to be sent the new SA, who has still to acknowledge, since
/// when. At most <see cref="Window"/> MPSA_PUTs are unanswered at a time; each acknowledgement lets the next member be
/// sent it. A fleet's requests then never wait in a queue (the members' sockets, the network, our own inbox) for
/// longer than the window takes to drain: dumped all at once, the last ones waited past the first retransmission
/// (RFC 7296 §2.1, 2 s) although nothing was lost, and the copies doubled the work at the worst moment.
/// </summary>
internal sealed class RekeyFanOut : IDisposable
{
    /// <summary>MPSA_PUTs sent and not yet answered, at most (10,000 members on loopback: a tenth in flight).</summary>
    public const int DefaultWindow = 1000;

    private readonly int _window;
    private readonly TimeSpan _holdsSlotFor;
    private readonly Dictionary<IkeSpi, MonoTime> _inFlight = [];
    private readonly Queue<(IkeSpi SpiR, MonoTime SentAt)> _sentOrder = new();
    private MpsaPut? _put;
    private (uint, uint, uint) _putTimers;

    /// <param name="holdsSlotFor">How long an unanswered MPSA_PUT keeps its place in the window: the first
    /// retransmission interval. A member that does not answer by then is left to the retransmissions and does not hold
    /// up the others.</param>
    public RekeyFanOut(string group, EspSpi spi, MonoTime startedAt, MonoTime rollover1At, IReadOnlyList<(IkeSpi SpiR, string Name)> members,
        TimeSpan holdsSlotFor, int window = DefaultWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        Group = group;
        Spi = spi;
        StartedAt = startedAt;
        Rollover1At = rollover1At;
        _window = window;
        _holdsSlotFor = holdsSlotFor;
        ToPush = new(members.Select(m => m.SpiR));
        Waiting = members.ToDictionary(m => m.SpiR, m => m.Name);
        Total = members.Count;
    }

    /// <summary>Members not yet sent the new SA, in order.</summary>
    public Queue<IkeSpi> ToPush { get; }

    public string Group { get; }
    public EspSpi Spi { get; }
    public MonoTime StartedAt { get; }
    public MonoTime Rollover1At { get; }

    /// <summary>Members that have not acknowledged the SA (sent it or not yet).</summary>
    public Dictionary<IkeSpi, string> Waiting { get; }

    public int Total { get; }
    public bool LateReported { get; set; }

    /// <summary>MPSA_PUTs that hold a place in the window now.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>How many more members may be sent the SA now (after freeing the places held too long).</summary>
    public int Room(MonoTime now)
    {
        while (OldestInFlight() is { } oldest && now >= oldest.SentAt + _holdsSlotFor)
        {
            _sentOrder.Dequeue();
            _inFlight.Remove(oldest.SpiR);
        }
        return Math.Max(0, _window - _inFlight.Count);
    }

    /// <summary>
    /// The MPSA_PUT of <paramref name="sa"/> as of <paramref name="now"/>, made once for every member pushed while its
    /// timers read the same whole seconds (owned here: do not dispose). A copy of SK_d per member was a pinned
    /// allocation per member, and pinned allocations are slow once the pinned heap is fragmented.
    /// </summary>
    public MpsaPut PutFor(GroupSa sa, MonoTime now, MonoTime? rolloverStart)
    {
        var timers = sa.Timers(now, rolloverStart);
        if (_put is null || _put.Spi != sa.Spi || _putTimers != timers)
        {
            _put?.Dispose();
            _put = sa.ToPut(now, rolloverStart);
            _putTimers = timers;
        }
        return _put;
    }

    /// <summary>Forgets the MPSA_PUT kept for the next members (its copy of SK_d is zeroed).</summary>
    public void Dispose()
    {
        _put?.Dispose();
        _put = null;
    }

    /// <summary>The SA went to <paramref name="spiR"/>: it holds a place until answered, gone, or held too long.</summary>
    public void Sent(IkeSpi spiR, MonoTime now)
    {
        _inFlight[spiR] = now;
        _sentOrder.Enqueue((spiR, now));
    }

    /// <summary>The member acknowledged the SA: true the first time.</summary>
    public bool Acknowledged(IkeSpi spiR)
    {
        _inFlight.Remove(spiR);
        return Waiting.Remove(spiR);
    }

    /// <summary>The member refused the SA: it answered (its place is free) but does not hold it. True the first time.</summary>
    public bool Refused(IkeSpi spiR)
    {
        bool first = Acknowledged(spiR);
        if (first)
        {
            RefusedCount++;
        }
        return first;
    }

    /// <summary>Members that answered with a refusal.</summary>
    public int RefusedCount { get; private set; }

    /// <summary>The member's IKE SA was rekeyed (RFC 7296 §2.18): it is known by its new SPI from now on.</summary>
    public void Rename(IkeSpi from, IkeSpi to)
    {
        var queued = ToPush.Select(k => k == from ? to : k).ToList();
        ToPush.Clear();
        foreach (var k in queued)
        {
            ToPush.Enqueue(k);
        }
        if (Waiting.Remove(from, out var name))
        {
            Waiting[to] = name;
        }
        if (_inFlight.Remove(from, out var at))
        {
            _inFlight[to] = at;
        }
        var order = _sentOrder.Select(o => o.SpiR == from ? (to, o.SentAt) : o).ToList();
        _sentOrder.Clear();
        foreach (var o in order)
        {
            _sentOrder.Enqueue(o);
        }
    }

    /// <summary>The member's IKE SA is gone: true if it had not acknowledged.</summary>
    public bool Gone(IkeSpi spiR) => Acknowledged(spiR);

    /// <summary>
    /// When to push next: null when everyone has been sent the SA; in a full window, when its oldest place frees itself
    /// (held too long); otherwise now (<see cref="StartedAt"/>, already past), for the room an acknowledgement left.
    /// </summary>
    public MonoTime? NextPushAt =>
        ToPush.Count == 0 ? null
        : _inFlight.Count >= _window && OldestInFlight() is { } oldest ? oldest.SentAt + _holdsSlotFor
        : StartedAt;

    /// <summary>The oldest place still held; entries of answered members are dropped on the way (amortised O(1)).</summary>
    private (IkeSpi SpiR, MonoTime SentAt)? OldestInFlight()
    {
        while (_sentOrder.TryPeek(out var oldest))
        {
            if (_inFlight.TryGetValue(oldest.SpiR, out var at) && at == oldest.SentAt)
            {
                return oldest;
            }
            _sentOrder.Dequeue();
        }
        return null;
    }
}
