using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>A cluster replica: the key leader makes the SAs (<see cref="ControllerEngine.StoreNewSa"/> puts each in etcd
/// before any member hears of it); the others take them from etcd and push them to their own members.</summary>
internal sealed partial class ControllerEngine
{
    private bool _leading = true;
    private bool _leadershipKnown;

    /// <summary>Whether this replica is the key leader (standalone: always).</summary>
    public bool Leading => _leading;

    public void SetLeading(bool leading)
    {
        bool first = !_leadershipKnown;
        _leadershipKnown = true;
        if (leading == _leading && !first)
        {
            return;
        }
        _leading = leading;
        foreach (var g in _groups.Values)
        {
            g.Leading = leading;
        }
        _log.LeadershipChanged((first, leading) switch
        {
            (true, true) => "the key leader: it makes the groups' SAs and decides their rekeys",
            (true, false) => "not the key leader: it serves the SAs the leader stores",
            (false, true) => "now the key leader: it makes the groups' SAs and decides their rekeys",
            _ => "no longer the key leader: it serves the SAs the leader stores",
        });
    }

    /// <summary>The leader's state of the groups, read from etcd: what is new goes to this replica's members.</summary>
    public IReadOnlyList<Outgoing> Adopt(IReadOnlyDictionary<string, StoredGroup> stored, MonoTime now)
    {
        var send = new List<Outgoing>();
        if (_leading)
        {
            return send;
        }
        foreach (var (name, group) in _groups)
        {
            if (stored.TryGetValue(name, out var s) && group.Adopt(s, now) is { } news)
            {
                group.MarkSaved();
                StartFanOut(name, group, news, "from the key leader", now, send);
            }
        }
        return send;
    }
}
