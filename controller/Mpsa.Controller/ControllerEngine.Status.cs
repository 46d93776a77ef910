using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

internal sealed partial class ControllerEngine
{
    public ControllerStatus Status(MonoTime now)
    {
        var groups = _groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(kv => new GroupStatus(
            kv.Key,
            kv.Value.Current.Spi.ToString(),
            kv.Value.Next?.Spi.ToString(),
            (long)Math.Max(0, (kv.Value.Current.ExpiresAt - now).TotalSeconds),
            SuiteNames.Name(kv.Value.Current.Config.Esp),
            kv.Value.Current.Fingerprint,
            kv.Value.Next?.Fingerprint)).ToList();
        var byName = _sessions.Values.Where(s => !s.Leaving).ToDictionary(s => s.Member.Name);
        var members = Settings.Members.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m =>
        {
            byName.TryGetValue(m.Name, out var s);
            return new MemberStatus(m.Name, m.Identity, m.Group, s is null ? "disconnected" : "connected",
                s?.Address.ToString(), s?.LastAckedSpi?.ToString(), s?.KeyFingerprint);
        }).ToList();
        return new ControllerStatus(Settings.Identity, groups, members);
    }
}
