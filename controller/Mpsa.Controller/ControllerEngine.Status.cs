using Mpsa.Controller.Cluster;
using Mpsa.Controller.Members;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

internal sealed partial class ControllerEngine
{
    /// <param name="fleet">In a cluster: the other replicas' members from etcd, shown as connected there.</param>
    public ControllerStatus Status(MonoTime now, FleetView? fleet = null)
    {
        var byName = NewestSessions();
        var elsewhere = Elsewhere(fleet, byName);
        var groups = _groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(kv => new GroupStatus(
            kv.Key,
            kv.Value.Current.Spi.ToString(),
            kv.Value.Next?.Spi.ToString(),
            (long)Math.Max(0, (kv.Value.Current.ExpiresAt - now).TotalSeconds),
            SuiteNames.Name(kv.Value.Current.Config.Esp),
            kv.Value.Current.Fingerprint,
            kv.Value.Next?.Fingerprint,
            byName.Values.Count(s => s.Member.Group == kv.Key) + elsewhere.Values.Count(e => e.Group == kv.Key),
            byName.Values.Count(s => s.Member.Group == kv.Key && HoldsCurrent(s)) + elsewhere.Values.Count(e => e.Group == kv.Key && e.HoldsCurrent))
        {
            Warning = OverdueWarning(kv.Value, now),
        }).ToList();
        var members = Members.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m =>
        {
            byName.TryGetValue(m.Name, out var s);
            if (s is null && elsewhere.TryGetValue(m.Name, out var there))
            {
                return new MemberStatus(m.Name, m.Identity, m.Group, "connected", there.Address, there.LastAckedSpi, null, there.HoldsCurrent,
                    there.Refusals.Select(r => new RefusalStatus(r.Spi, r.Notify, r.Reason, r.Count, 0, null)).ToList())
                {
                    Replica = there.Replica,
                };
            }
            var refusals = s is null || !_groups.TryGetValue(s.Member.Group, out var group)
                ? []
                : s.Refusals.Values.Where(r => InUse(group, r.Spi)).OrderBy(r => r.FirstAt.Milliseconds).Select(r => new RefusalStatus(
                    r.Spi.ToString(), r.Notify.ToString(), r.Reason, r.Count, SecondsSince(r.LastAt, now),
                    r.RetryAt is { } at ? (long)Math.Ceiling(Math.Max(0, (at - now).TotalSeconds)) : null)).ToList();
            return new MemberStatus(m.Name, m.Identity, m.Group, s is null ? "disconnected" : "connected",
                s?.Address.ToString(), s?.LastAckedSpi?.ToString(), s?.KeyFingerprint, s is not null && HoldsCurrent(s), refusals)
            {
                IkeKeyExchange = s?.KeyExchange,
                IkeSaAgeSeconds = s?.Rekeys.IkeEstablishedAt is { } made ? SecondsSince(made, now) : null,
                IkeRekeyInSeconds = SecondsUntil(s?.Rekeys.IkeRekeyAt, now),
                ChildRekeyInSeconds = SecondsUntil(s?.Rekeys.ChildRekeyAt, now),
                ChildSa = s?.ChildState,
                FirstSaMilliseconds = s?.FirstSaAfter is { } wait ? (long)wait.TotalMilliseconds : null,
                Replica = s is null ? null : fleet?.Replica,
            };
        }).ToList();
        return new ControllerStatus(Settings.Identity, groups, members) { Replica = fleet?.Replica, FleetProblem = fleet?.Problem };
    }

    private static long? SecondsUntil(MonoTime? at, MonoTime now) =>
        at is { } t ? (long)Math.Ceiling(Math.Max(0, (t - now).TotalSeconds)) : null;

    private static long SecondsSince(MonoTime then, MonoTime now) => (long)Math.Max(0, (now - then).TotalSeconds);
}
