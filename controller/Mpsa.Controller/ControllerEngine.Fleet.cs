using Mpsa.Controller.Cluster;
using Mpsa.Controller.Members;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>A cluster replica's share of the fleet: the members connected here, as it records them in etcd, and the
/// other replicas' members merged into `status`.</summary>
internal sealed partial class ControllerEngine
{
    /// <summary>The members connected to this replica now (one entry per member: its newest IKE SA).</summary>
    public List<FleetEntry> FleetEntries(string replica, MonoTime now, long wallClockMs)
    {
        var entries = new List<FleetEntry>();
        foreach (var s in NewestSessions().Values)
        {
            var refused = _groups.TryGetValue(s.Member.Group, out var group)
                ? s.Refusals.Values.Where(r => InUse(group, r.Spi)).Select(r => new FleetRefusal(r.Spi.ToString(), r.Notify.ToString(), r.Reason, r.Count)).ToList()
                : [];
            entries.Add(new FleetEntry(s.Member.Name, replica, s.Member.Group, s.Address.ToString(), s.LastAckedSpi?.ToString(), HoldsCurrent(s),
                refused, wallClockMs - (long)(now - s.ConnectedAt).TotalMilliseconds));
        }
        return entries;
    }

    /// <summary>Each connected member's newest IKE SA (one being deleted does not count).</summary>
    private Dictionary<string, MemberSession> NewestSessions() =>
        _sessions.Values.Where(s => !s.Leaving).GroupBy(s => s.Member.Name)
            .ToDictionary(g => g.Key, g => g.MaxBy(s => s.ConnectedAt.Milliseconds)!);

    /// <summary>A member holds an SA it acknowledged and did not refuse or report failed since.</summary>
    private bool HoldsCurrent(MemberSession s) =>
        _groups.TryGetValue(s.Member.Group, out var g) && s.Holds.Contains(g.Current.Spi) && !s.Refusals.ContainsKey(g.Current.Spi);

    /// <summary>Members connected to other replicas only (each at the replica it reached last), by name.</summary>
    private static Dictionary<string, FleetEntry> Elsewhere(FleetView? fleet, Dictionary<string, MemberSession> here)
    {
        var elsewhere = new Dictionary<string, FleetEntry>(StringComparer.Ordinal);
        if (fleet is null)
        {
            return elsewhere;
        }
        foreach (var e in fleet.Entries)
        {
            if (e.Replica != fleet.Replica && !here.ContainsKey(e.Member)
                && (!elsewhere.TryGetValue(e.Member, out var other) || other.ConnectedAtMs < e.ConnectedAtMs))
            {
                elsewhere[e.Member] = e;
            }
        }
        return elsewhere;
    }
}
