using Mpsa.Controller.Members;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>
/// The controller's own rekeys of each member's IKE SA and CHILD_SA (RFC 7296 §2.8; ike_lifetime, child_lifetime,
/// rekey_jitter). Each member's times carry their own jitter, so a fleet that connected in one restart storm spreads
/// its rekeys over the jitter window; a queue ordered by time keeps a wake-up cheap with 10,000 members.
/// </summary>
internal sealed partial class ControllerEngine
{
    private readonly PriorityQueue<MemberSession, long> _rekeyQueue = new();

    private MonoTime? NextRekey => _rekeyQueue.TryPeek(out _, out long at) ? new MonoTime(at) : null;

    /// <summary>Queues the session's next rekey when it moved (older entries are skipped when they come up).</summary>
    private void ScheduleRekey(MemberSession s)
    {
        var next = s.Rekeys.NextDeadline;
        if (next is { } at && next != s.RekeyQueuedFor)
        {
            _rekeyQueue.Enqueue(s, at.Milliseconds);
        }
        s.RekeyQueuedFor = next;
    }

    /// <summary>Starts every rekey that is due: &lt;-- HDR, SK {SA, Nr, KEr} (IKE SA) or {N(REKEY_SA), SA, Nr, TS} (CHILD_SA).</summary>
    private void StartDueRekeys(MonoTime now, List<Outgoing> send)
    {
        while (_rekeyQueue.TryPeek(out var s, out long at) && at <= now.Milliseconds)
        {
            _rekeyQueue.Dequeue();
            if (s.RekeyQueuedFor?.Milliseconds != at || s.Leaving || !_sessions.TryGetValue(s.SpiR, out var live) || live != s)
            {
                continue;   // moved, or the member is gone
            }
            s.RekeyQueuedFor = null;
            switch (s.Rekeys.Take(now))
            {
                case RekeyDue.IkeSa:
                    Apply(_responder.RekeyIkeSa(s.SpiR, now), now, send);
                    break;
                case RekeyDue.ChildSa:
                    Apply(_responder.RekeyChildSa(s.SpiR, now), now, send);
                    break;
                case RekeyDue.Reauthentication:
                    ReauthenticationOverdue(s, now, send);
                    break;
            }
            ScheduleRekey(s);
        }
    }

    /// <summary>An event from the controller's kernel: a member CHILD_SA's soft expire (XFRM_MSG_EXPIRE) that came
    /// before our rekey timer makes its rekey due now; a hard expire is logged (the rekey should have come first).</summary>
    public IReadOnlyList<Outgoing> OnKernelEvent(Mpsa.Netlink.Kernel.KernelEvent e, MonoTime now)
    {
        if (e is not Mpsa.Netlink.Kernel.StateExpired x || _childSas?.OwnerOf(x.State) is not { } spiR
            || !_sessions.TryGetValue(spiR, out var s))
        {
            return [];
        }
        if (x.Hard)
        {
            _log.ChildSaHardExpired(s.Member.Name, x.State.ToString());
            return [];
        }
        s.Rekeys.ChildSaExpiring(now);
        ScheduleRekey(s);
        var send = new List<Outgoing>();
        StartDueRekeys(now, send);
        return send;
    }

    /// <summary>Follows what happened to a member's SAs, whoever started it.</summary>
    private void TrackRekeys(IkeEvent e, MonoTime now)
    {
        IkeSpi spiR = e switch
        {
            ChildSaEstablished c => c.SpiR,
            ChildSaRekeyed c => c.SpiR,
            ChildSaFailed f => f.SpiR,
            IkeSaRekeyed r => r.NewHandle,
            IkeSaRekeyFailed f => f.SpiR,
            ChildSaRekeyFailed f => f.SpiR,
            _ => default,
        };
        if (spiR == default || !_sessions.TryGetValue(spiR, out var s))
        {
            return;
        }
        switch (e)
        {
            case ChildSaEstablished or ChildSaRekeyed:
                s.Rekeys.ChildSaMade(now);
                break;
            case ChildSaFailed:
                s.Rekeys.ChildSaGone();
                break;
            case IkeSaRekeyed:
                s.Rekeys.IkeSaMade(now);
                break;
            case IkeSaRekeyFailed { PeersRekey: false }:
                s.Rekeys.Failed(RekeyDue.IkeSa, now);
                break;
            case ChildSaRekeyFailed { PeersRekey: false }:
                s.Rekeys.Failed(RekeyDue.ChildSa, now);
                break;
        }
        ScheduleRekey(s);
    }
}
