using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>
/// One warning when a limit is first reached, then at most one per limit every <see cref="Interval"/> with the
/// number of drops in between: a flood must not become a flood of log lines.
/// </summary>
internal sealed class LimitLog(ILogger log)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, (MonoTime LoggedAt, long Suppressed)> _limits = new(StringComparer.Ordinal);

    public void Report(string limit, IPEndPoint from, string detail, MonoTime now)
    {
        if (_limits.TryGetValue(limit, out var seen) && now < seen.LoggedAt + Interval)
        {
            _limits[limit] = (seen.LoggedAt, seen.Suppressed + 1);
            return;
        }
        _limits[limit] = (now, 0);
        log.LimitReached(limit, from, detail, seen.Suppressed);
    }
}
