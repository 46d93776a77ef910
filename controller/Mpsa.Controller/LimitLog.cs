using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>
/// The warnings a flood can cause, throttled (<see cref="LogThrottle{TSource}"/>): a limit reached logs once, then at most
/// once per limit every <see cref="Interval"/> with the number of drops in between; a refused peer (unknown identity,
/// failed AUTH, a certificate refused: text the peer chose) at most once per source address every <see cref="Interval"/>,
/// with the number of refusals not logged. A flood must not become a flood of log lines.
/// </summary>
internal sealed class LimitLog(ILogger log)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly LogThrottle<string> _limits = new(Interval);
    private readonly LogThrottle<IPAddress> _refusals = new(Interval);

    public void Report(string limit, IPEndPoint from, string detail, MonoTime now)
    {
        if (_limits.ShouldLog(limit, now, out long suppressed))
        {
            log.LimitReached(limit, from, detail, suppressed);
        }
    }

    /// <summary>An unauthenticated peer refused: one line per source address per interval.</summary>
    public void Refused(IPEndPoint from, string detail, MonoTime now)
    {
        if (!_refusals.ShouldLog(from.Address, now, out long suppressed))
        {
            return;
        }
        if (suppressed == 0)
        {
            log.PeerRefused(from, detail);
        }
        else
        {
            log.PeerRefusedAgain(from, detail, suppressed, (long)Interval.TotalSeconds);
        }
    }
}
