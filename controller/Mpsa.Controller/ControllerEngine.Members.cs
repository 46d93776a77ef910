using Mpsa.Controller.Members;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>
/// Who may connect: the config file's <c>[member]</c> sections and, in a cluster, the members stored in etcd (the
/// directory, `mpsa-controller member ...`); a name in both is the config file's. A member that is gone or moved to
/// another group is deleted here, and its group rekeyed at once where it says so (draft §5.3): standalone when it was
/// connected, in a cluster by the key leader alone, whether or not it was connected to the leader, so the rekey
/// happens once for the whole fleet.
/// </summary>
internal sealed partial class ControllerEngine
{
    private IReadOnlyList<MemberConfig> _directory = [];

    /// <summary>Every member: the config file's, then the directory's.</summary>
    public IReadOnlyList<MemberConfig> Members { get; private set; } = [];

    /// <summary>The directory as etcd holds it now: members gone from it are deleted wherever they are connected here.</summary>
    public IReadOnlyList<Outgoing> SetDirectory(IReadOnlyList<MemberConfig> directory, MonoTime now)
    {
        var before = Members.ToDictionary(m => m.Name);
        _directory = directory;
        ApplyMembers(Settings);
        var send = new List<Outgoing>();
        DropRemovedMembers(before, now, send, "member directory");
        SaveStateIfChanged(now);
        _log.DirectoryRead(directory.Count, Members.Count);
        return send;
    }

    private void ApplyMembers(ControllerSettings settings)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var members = new List<MemberConfig>(settings.Members.Count + _directory.Count);
        var byIdentity = new Dictionary<string, (MemberConfig, PeerPolicy)>(StringComparer.Ordinal);
        foreach (var m in settings.Members.Concat(_directory))
        {
            if (!names.Add(m.Name))
            {
                continue;
            }
            string identity = ControllerConfigFile.IdentityKey(m.Identity);
            var policy = new PeerPolicy(m.Name, m.Psk, m.RequireVendorId)
            {
                RequirePostQuantum = settings.Groups.TryGetValue(m.Group, out var g) && g.RequirePostQuantum,
            };
            if (!byIdentity.TryAdd(identity, (m, policy)))
            {
                _log.DirectoryMemberIgnored(m.Name, $"its identity {m.Identity} is already member {byIdentity[identity].Item1.Name}'s");
                continue;
            }
            members.Add(m);
        }
        Members = members;
        _members = byIdentity;
        ReserveForMembers();
    }

    /// <summary>
    /// Room for an IKE SA of every member in the tables that hold them, made at start and reload: grown in the connect
    /// storm after a start instead, their large arrays count toward the budget whose overrun is a blocking gen-2
    /// collection (bench/RESULTS.md, session 33).
    /// </summary>
    private void ReserveForMembers()
    {
        _sessions.EnsureCapacity(Members.Count);
        _sessionOfMember.EnsureCapacity(Members.Count);
        _rekeyQueue.EnsureCapacity(2 * Members.Count);   // a new member queues its IKE SA's rekey, then its CHILD_SA's
        _responder?.Reserve(Members.Count);   // null while the constructor runs, which reserves once it is made
    }

    /// <summary>Deletes the IKE SAs of members no longer in <see cref="Members"/> (or in another group, or whose certificate
    /// no longer passes), and starts the rekeys that removal calls for.</summary>
    private void DropRemovedMembers(Dictionary<string, MemberConfig> before, MonoTime now, List<Outgoing> send, string source)
    {
        var rekey = new HashSet<string>();
        var current = Members.ToDictionary(m => m.Name);
        if (_leadershipKnown && _leading)
        {
            foreach (var (name, m) in before)
            {
                if ((!current.TryGetValue(name, out var still) || still.Group != m.Group)
                    && _groups.TryGetValue(m.Group, out var g) && g.Config.RekeyOnMemberRemoval)
                {
                    rekey.Add(m.Group);
                }
            }
        }
        foreach (var s in _sessions.Values.ToList())
        {
            bool removed = !current.TryGetValue(s.Member.Name, out var now_);
            bool moved = !removed && now_!.Group != s.Member.Group;
            string? refused = removed || moved ? null : RecheckCertificate(s, now_!, Settings);
            if (!removed && !moved && refused is null)
            {
                s.Member = now_!;
                continue;
            }
            if (s.Leaving)
            {
                continue;
            }
            if (refused is not null)
            {
                _log.MemberCertificateRefused(s.Member.Name, refused);
            }
            else
            {
                _log.MemberRemoved(s.Member.Name, source);
            }
            s.Leaving = true;
            if (!_leadershipKnown && before.ContainsKey(s.Member.Name) && _groups.TryGetValue(s.Member.Group, out var g) && g.Config.RekeyOnMemberRemoval)
            {
                rekey.Add(s.Member.Group);
            }
            send.AddRange(ApplyAndCollect(_responder.Delete(s.SpiR, now), now));
        }
        foreach (string name in rekey)
        {
            var group = _groups[name];
            var sa = group.StartRekey(now);
            if (StoreNewSa(group, now))
            {
                StartFanOut(name, group, sa, "member removed", now, send);
            }
        }
    }
}
