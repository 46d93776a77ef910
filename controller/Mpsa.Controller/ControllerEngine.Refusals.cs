using Mpsa.Controller.Groups;
using Mpsa.Controller.Members;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>
/// What members answered about group SAs (docs/PROTOCOL.md "Refusals"): an acknowledged SA is held, a refused one is
/// not, whatever was sent. A refusal is logged once per member and SA; TEMPORARY_FAILURE is pushed again with backoff
/// while the SA is in use, any other Notify is final.
/// </summary>
internal sealed partial class ControllerEngine
{
    private readonly Dictionary<IkeSpi, MemberSession> _retrying = [];

    private MonoTime? NextRetry
    {
        get
        {
            MonoTime? at = null;
            foreach (var s in _retrying.Values)
            {
                foreach (var r in s.Refusals.Values)
                {
                    at = MonoTime.Min(at, r.RetryAt);
                }
            }
            return at;
        }
    }

    private void OnAcknowledged(MemberSession s, MpsaAcknowledged ack, MonoTime now, List<Outgoing> send)
    {
        ForgetRetired(s);
        if (ack.Error is { } error)
        {
            // all or nothing: the message changed nothing on the member; the SA it names is the one refused (an SA of the
            // message the member held before, the current one re-pushed with the next, say, it still holds)
            foreach (var spi in ack.RefusedSpi is { } refused && ack.Spis.Contains(refused) ? [refused] : ack.Spis)
            {
                RecordRefusal(s, spi, error, now);
            }
            if (_fanOuts.TryGetValue(s.Member.Group, out var refusedFanOut) && ack.Spis.Contains(refusedFanOut.Spi)
                && refusedFanOut.Refused(s.SpiR))
            {
                FanOutAnswered(refusedFanOut, now, send);
            }
            return;
        }
        foreach (var spi in ack.Spis)
        {
            s.Holds.Add(spi);
            if (s.RemoveRefusal(spi))
            {
                _log.PutAcceptedAfterRefusal(s.Member.Name, spi);
            }
        }
        if (s.Refusals.Count == 0)
        {
            _retrying.Remove(s.SpiR);
        }
        if (ack.Spis.Count > 0)
        {
            s.LastAckedSpi = ack.Spis[^1];
            _log.Acknowledged(s.Member.Name, ack.Spis[^1]);
            if (s.FirstSaAfter is null)
            {
                s.FirstSaAfter = now - s.ConnectedAt;
                _log.FirstSaHeld(s.Member.Name, ack.Spis[^1], (long)s.FirstSaAfter.Value.TotalMilliseconds);
            }
        }
        if (_fanOuts.TryGetValue(s.Member.Group, out var f) && ack.Spis.Contains(f.Spi) && f.Acknowledged(s.SpiR))
        {
            FanOutAnswered(f, now, send);
        }
    }

    /// <summary>HDR, SK {N(error, ESP, SPI)} --> from a member: an SA it had accepted failed later (ROLL1).</summary>
    private void OnRefusalReported(MemberSession s, MpsaRefusalReported reported, MonoTime now) =>
        RecordRefusal(s, reported.Spi, reported.Error, now);

    private void FanOutAnswered(RekeyFanOut f, MonoTime now, List<Outgoing> send)
    {
        if (f.Waiting.Count == 0)
        {
            long elapsed = (long)(now - f.StartedAt).TotalMilliseconds;
            Metrics?.FanOutAnswered(f.Group, now - f.StartedAt);
            if (f.RefusedCount == 0)
            {
                _log.RekeyComplete(f.Group, f.Total, f.Spi, elapsed);
            }
            else
            {
                _log.RekeyAnsweredWithRefusals(f.Group, f.Total, f.Spi, elapsed, f.RefusedCount);
            }
        }
        PushNext(f, now, send);   // its place in the window goes to the next member
    }

    private void RecordRefusal(MemberSession s, EspSpi spi, NotifyType error, MonoTime now)
    {
        s.Holds.Remove(spi);
        if (s.LastAckedSpi == spi)
        {
            s.LastAckedSpi = null;
        }
        if (s.Refusals.TryGetValue(spi, out var known))
        {
            known.Again(error, now);
            _log.PutRefusedAgain(s.Member.Name, spi, error, known.Count);
        }
        else
        {
            known = new MemberRefusal(spi, error, now);
            s.SetRefusal(spi, known);
            _log.PutRefused(s.Member.Name, spi, error, known.Reason, known.Transient ? "; pushed again with backoff" : "; not retried");
        }
        if (known.RetryAt is not null)
        {
            _retrying[s.SpiR] = s;
        }
    }

    /// <summary>Pushes again what a member refused for a transient reason, if its group still uses the SA.</summary>
    private void RetryRefused(MonoTime now, List<Outgoing> send)
    {
        foreach (var s in _retrying.Values.ToList())
        {
            bool due = false;
            foreach (var r in s.Refusals.Values)
            {
                if (r.RetryAt is { } at && now >= at)
                {
                    r.Retried();
                    due = true;
                }
            }
            if (!s.Refusals.Values.Any(r => r.RetryAt is not null))
            {
                _retrying.Remove(s.SpiR);
            }
            if (due && _sessions.ContainsKey(s.SpiR) && !s.Leaving && _groups.TryGetValue(s.Member.Group, out var group)
                && s.Refusals.Keys.Any(spi => InUse(group, spi)))
            {
                Push(s, group.PutsForJoiner(now), now, send);
            }
        }
    }

    /// <summary>What a member held or refused of SAs its group no longer uses is of no interest any more: dropped, so a
    /// session's memory does not grow with every rekey over months.</summary>
    private void ForgetRetired(MemberSession s)
    {
        if (!_groups.TryGetValue(s.Member.Group, out var group))
        {
            return;
        }
        s.Holds.RemoveWhere(spi => !InUse(group, spi));
        if (s.Refusals.Count == 0)
        {
            return;
        }
        foreach (var spi in s.Refusals.Keys.Where(spi => !InUse(group, spi)).ToList())
        {
            s.RemoveRefusal(spi);
        }
    }

    private static bool InUse(GroupKeyManager group, EspSpi spi) => group.Current.Spi == spi || group.Next?.Spi == spi;

    private void ForgetRefusals(MemberSession s) => _retrying.Remove(s.SpiR);
}
