using Mpsa.Controller.Groups;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>Reload (SIGHUP or `reload`): members added can connect, members removed are deleted and, where the group
/// says so, the group is rekeyed at once so the removed member's keys stop working (draft §5.3).</summary>
internal sealed partial class ControllerEngine
{
    public IReadOnlyList<Outgoing> Reload(ControllerSettings next, MonoTime now)
    {
        var send = new List<Outgoing>();
        if (next.Identity != Settings.Identity)
        {
            _log.NeedsRestart("identity");
        }
        if (!next.Listen.SequenceEqual(Settings.Listen))
        {
            _log.NeedsRestart("listen address");
        }
        if (next.StateDirectory != Settings.StateDirectory || next.StateKeyFile != Settings.StateKeyFile)
        {
            _log.NeedsRestart("state_dir or state_key");
        }
        if (next.Limits != Settings.Limits || next.CookieThreshold != Settings.CookieThreshold || next.MaxQueuedDatagrams != Settings.MaxQueuedDatagrams)
        {
            _log.NeedsRestart("cookie_threshold or a max_* limit");
        }
        var oldMembers = Members.ToDictionary(m => m.Name);
        bool guardChanged = !next.EspOnly.SequenceEqual(Settings.EspOnly);
        Settings = next;
        _keyShares.MaxAge = next.KeyShareReuse;
        ApplyMembers(next);
        if (_childSas is not null)
        {
            _childSas.Lifetimes = KernelLifetimes(next.Rekey);
            if (guardChanged)
            {
                _childSas.Guard(next.Listen.Select(e => e.Address), next.EspOnly);
            }
        }
        foreach (var s in _sessions.Values)
        {
            s.Rekeys.Policy = next.Rekey;   // from each SA's next rekey on
        }

        foreach (var g in next.Groups.Values)
        {
            if (_groups.TryGetValue(g.Name, out var existing))
            {
                existing.Reconfigure(g);
            }
            else
            {
                AddGroup(g, now);
            }
        }

        DropRemovedMembers(oldMembers, now, send, "configuration");
        foreach (var name in _groups.Keys.Where(k => !next.Groups.ContainsKey(k)).ToList())
        {
            _groups.Remove(name, out var gone);
            gone!.Dispose();
            _groupsRemoved = true;
        }
        SaveStateIfChanged(now);
        _log.Reloaded(next.Groups.Count, Members.Count);
        return send;
    }

    /// <summary>A certificate member's certificates against the reloaded CAs and CRLs (a CRL dropped in /etc/mpsa/).</summary>
    private string? RecheckCertificate(Members.MemberSession s, Members.MemberConfig member, ControllerSettings next)
    {
        if (member.Psk is not null || _responder.PeerCertificates(s.SpiR) is not { } certificates)
        {
            return null;
        }
        return next.Certificates is { } c ? c.Trust.Recheck(certificates, c.Now()) : "no certificate and CA are configured any more";
    }

    private List<Outgoing> ApplyAndCollect(Step step, MonoTime now)
    {
        var send = new List<Outgoing>();
        Apply(step, now, send);
        return send;
    }
}
