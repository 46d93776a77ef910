using Mpsa.Controller.Members;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

internal sealed partial class ControllerEngine
{
    public ControllerStatus Status(MonoTime now)
    {
        var byName = _sessions.Values.Where(s => !s.Leaving).GroupBy(s => s.Member.Name)
            .ToDictionary(g => g.Key, g => g.MaxBy(s => s.ConnectedAt.Milliseconds)!);
        // a member holds an SA it acknowledged and did not refuse or report failed since
        bool HoldsCurrent(MemberSession s) =>
            _groups.TryGetValue(s.Member.Group, out var g) && s.Holds.Contains(g.Current.Spi) && !s.Refusals.ContainsKey(g.Current.Spi);
        var groups = _groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(kv => new GroupStatus(
            kv.Key,
            kv.Value.Current.Spi.ToString(),
            kv.Value.Next?.Spi.ToString(),
            (long)Math.Max(0, (kv.Value.Current.ExpiresAt - now).TotalSeconds),
            SuiteNames.Name(kv.Value.Current.Config.Esp),
            kv.Value.Current.Fingerprint,
            kv.Value.Next?.Fingerprint,
            byName.Values.Count(s => s.Member.Group == kv.Key),
            byName.Values.Count(s => s.Member.Group == kv.Key && HoldsCurrent(s)))
        {
            Warning = OverdueWarning(kv.Value, now),
        }).ToList();
        var members = Settings.Members.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m =>
        {
            byName.TryGetValue(m.Name, out var s);
            var refusals = s is null || !_groups.TryGetValue(s.Member.Group, out var group)
                ? []
                : s.Refusals.Values.Where(r => InUse(group, r.Spi)).OrderBy(r => r.FirstAt.Milliseconds).Select(r => new RefusalStatus(
                    r.Spi.ToString(), r.Notify.ToString(), r.Reason, r.Count, SecondsSince(r.LastAt, now),
                    r.RetryAt is { } at ? (long)Math.Ceiling(Math.Max(0, (at - now).TotalSeconds)) : null)).ToList();
            return new MemberStatus(m.Name, m.Identity, m.Group, s is null ? "disconnected" : "connected",
                s?.Address.ToString(), s?.LastAckedSpi?.ToString(), s?.KeyFingerprint, s is not null && HoldsCurrent(s), refusals)
            {
                IkeSaAgeSeconds = s?.Rekeys.IkeEstablishedAt is { } made ? SecondsSince(made, now) : null,
                IkeRekeyInSeconds = SecondsUntil(s?.Rekeys.IkeRekeyAt, now),
                ChildRekeyInSeconds = SecondsUntil(s?.Rekeys.ChildRekeyAt, now),
            };
        }).ToList();
        return new ControllerStatus(Settings.Identity, groups, members);
    }

    private static long? SecondsUntil(MonoTime? at, MonoTime now) =>
        at is { } t ? (long)Math.Ceiling(Math.Max(0, (t - now).TotalSeconds)) : null;

    private static long SecondsSince(MonoTime then, MonoTime now) => (long)Math.Max(0, (now - then).TotalSeconds);
}
