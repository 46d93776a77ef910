using Mpsa.Controller.Groups;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>
/// A group SA never expires unnoticed: a group whose rekey is overdue (no next SA a few seconds after its rekey time,
/// because the store refused the new SA, or because this replica follows and the key leader has not rekeyed) gets a
/// warning in `status`, and in the log once a minute while it lasts, saying how long the SA has left and why no rekey
/// happens.
/// </summary>
internal sealed partial class ControllerEngine
{
    private static readonly TimeSpan OverdueLogInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, MonoTime> _nextOverdueLog = new(StringComparer.Ordinal);
    private string? _storeError;    // the last failed save's error, null once a save succeeds
    private string? _followError;   // cluster: why etcd cannot be read, null while it can

    /// <summary>Cluster: the key leader's state cannot be read from etcd (<paramref name="error"/>), or can again
    /// (null).</summary>
    public void FollowFailed(string? error) => _followError = error;

    /// <summary>When a group's rekey becomes overdue, or its warning is due again.</summary>
    private MonoTime? NextOverdueReport
    {
        get
        {
            MonoTime? at = null;
            foreach (var (name, g) in _groups)
            {
                if (g.Next is null)
                {
                    at = MonoTime.Min(at, _nextOverdueLog.TryGetValue(name, out var log) ? log : g.RekeyOverdueAt);
                }
            }
            return at;
        }
    }

    private void ReportOverdueRekeys(MonoTime now)
    {
        foreach (var (name, g) in _groups)
        {
            if (!g.RekeyOverdue(now))
            {
                _nextOverdueLog.Remove(name);
                continue;
            }
            if (_nextOverdueLog.TryGetValue(name, out var at) && now < at)
            {
                continue;
            }
            _nextOverdueLog[name] = now + OverdueLogInterval;
            _log.RekeyOverdue(name, g.Current.Spi, SecondsLeft(g, now), WhyNoRekey() ?? "reason unknown");
        }
    }

    /// <summary>The group's line in `status` while its rekey is overdue, else null.</summary>
    private string? OverdueWarning(GroupKeyManager g, MonoTime now)
    {
        if (!g.RekeyOverdue(now))
        {
            return null;
        }
        long left = SecondsLeft(g, now);
        string expires = left > 0 ? $"expires in {left}s" : "has expired";
        string text = $"rekey overdue: SA {g.Current.Spi} {expires} and no next SA exists";
        return WhyNoRekey() is { } why ? $"{text}; {why}" : text;
    }

    private string? WhyNoRekey() => (_leading, _followError, _storeError) switch
    {
        (false, { } error, _) => $"etcd unreachable ({error}): no rekey until it is back",
        (false, null, _) => "this replica is not the key leader, and the leader has not rekeyed",
        (true, _, { } error) => $"the new SA cannot be stored ({error}): no rekey until it can",
        _ => null,
    };

    private static long SecondsLeft(GroupKeyManager g, MonoTime now) =>
        (long)Math.Max(0, (g.Current.ExpiresAt - now).TotalSeconds);
}
