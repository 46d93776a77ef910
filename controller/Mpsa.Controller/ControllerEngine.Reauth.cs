using Mpsa.Controller.Members;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>
/// Reauthentication (RFC 7296 §2.8.3, make-before-break): a member's fresh IKE SA without INITIAL_CONTACT replaces its
/// older one, which the member deletes itself; the CHILD_SA's kernel states are handed over like a rekey, so ESP with
/// the member never stops. With reauth_time the controller asks for it (N(AUTH_LIFETIME), RFC 4478) and deletes the
/// IKE SA of a member that lets the time pass by a tenth more, as strongSwan does.
/// </summary>
internal sealed partial class ControllerEngine
{
    /// <summary>How long a member may keep an IKE SA its reauthentication replaced before the controller deletes it.</summary>
    private static readonly TimeSpan ReplacedGrace = TimeSpan.FromSeconds(30);

    private readonly Queue<(MemberSession Session, MonoTime DeleteAt)> _replaced = new();

    private MonoTime? NextReplacedCheck => _replaced.TryPeek(out var r) ? r.DeleteAt : null;

    /// <summary>The lifetime sent as N(AUTH_LIFETIME) in IKE_AUTH: reauth_time, when set.</summary>
    private TimeSpan? AuthLifetime() => Settings.Rekey.ReauthTime > TimeSpan.Zero ? Settings.Rekey.ReauthTime : null;

    /// <summary>IKE_AUTH completed: rekeys are scheduled, and the deadline by which the member must reauthenticate.</summary>
    private void Authenticated(MemberSession session, MonoTime now)
    {
        session.Rekeys.Authenticated(now);
        if (AuthLifetime() is { } lifetime)
        {
            session.Rekeys.RequireReauthBy(now + lifetime + lifetime / 10);
        }
        ScheduleRekey(session);
    }

    /// <summary>INITIAL_CONTACT: the member's older IKE SA is stale and goes without a word.</summary>
    private void Forget(MemberSession older)
    {
        _sessions.Remove(older.SpiR);
        _retrying.Remove(older.SpiR);
        _childSas?.Remove(older.SpiR);
        _responder.Forget(older.SpiR);
        _log.MemberReplaced(older.Member.Name, older.SpiR);
    }

    /// <summary>No INITIAL_CONTACT: <paramref name="older"/> is being replaced by <paramref name="fresh"/> and stays, pushed
    /// nothing more, until the member deletes it; what was filed under it moves to the fresh session.</summary>
    private void Supersede(MemberSession older, MemberSession fresh, MonoTime now)
    {
        older.Leaving = true;
        older.ReplacedBy = fresh;
        ForgetRefusals(older);
        if (_childSas is not null && _childSas.Contains(older.SpiR))
        {
            _childSas.Rename(older.SpiR, fresh.SpiR);
            fresh.ChildHandover = true;
        }
        foreach (var f in _fanOuts.Values)
        {
            f.Rename(older.SpiR, fresh.SpiR);
        }
        _replaced.Enqueue((older, now + ReplacedGrace));
        _log.MemberReauthenticated(older.Member.Name, older.SpiR, fresh.SpiR);
    }

    /// <summary>The replaced IKE SA is gone: its CHILD_SA's states leave the kernel; the member stays connected.</summary>
    private void ReplacedGone(MemberSession old, MemberSession newer, string detail)
    {
        if (old.ChildOutboundSpi is { } spi)
        {
            _childSas?.RemovePeerDeleted(newer.SpiR, [spi]);
        }
        _log.ReplacedIkeSaGone(old.Member.Name, old.SpiR, detail);
    }

    /// <summary>Deletes replaced IKE SAs a member kept past the grace time.</summary>
    private void DeleteKeptReplaced(MonoTime now, List<Outgoing> send)
    {
        while (_replaced.TryPeek(out var r) && now >= r.DeleteAt)
        {
            _replaced.Dequeue();
            if (_sessions.TryGetValue(r.Session.SpiR, out var live) && live == r.Session)
            {
                _log.ReplacedIkeSaKept(r.Session.Member.Name, r.Session.SpiR);
                Apply(_responder.Delete(r.Session.SpiR, now), now, send);
            }
        }
    }

    /// <summary>The member let reauth_time (and a tenth more) pass without reauthenticating: its IKE SA goes, and the
    /// member must authenticate afresh to come back.</summary>
    private void ReauthenticationOverdue(MemberSession s, MonoTime now, List<Outgoing> send)
    {
        _log.ReauthenticationOverdue(s.Member.Name, Settings.Rekey.ReauthTime);
        s.Leaving = true;
        Apply(_responder.Delete(s.SpiR, now), now, send);
    }
}
