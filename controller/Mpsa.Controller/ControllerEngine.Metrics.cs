using Mpsa.Controller.Metrics;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>What the engine tells its <see cref="ControllerMetrics"/>: events as they pass, the fleet on request.</summary>
internal sealed partial class ControllerEngine
{
    /// <summary>Where counters go; null: not measured.</summary>
    public ControllerMetrics? Metrics { get; set; }

    /// <summary>The gauges' figures (on the loop's thread, like <see cref="Status"/>).</summary>
    public ControllerMetricsSnapshot MetricsSnapshot(MonoTime now)
    {
        var status = Status(now);
        var groups = status.Groups.Select(g =>
        {
            var connected = status.Members.Where(m => m.Group == g.Name && m.State == "connected").ToList();
            return new GroupFigures(g.Name, Members.Count(m => m.Group == g.Name), connected.Count,
                connected.Count(m => m.HoldsCurrent), connected.Count(m => m.Refusals.Any(r => r.Spi == g.CurrentSpi)),
                g.SecondsLeft);
        }).ToList();
        return new ControllerMetricsSnapshot(groups, IkeSaCount, _responder.CookiesSent);
    }

    /// <summary>Counts an event before the engine handles it.</summary>
    private void Measure(IkeEvent e)
    {
        if (Metrics is not { } m)
        {
            return;
        }
        switch (e)
        {
            case IkeSaEstablished:
                m.IkeSetup();
                break;
            // a member's session that ends is no failed setup; a setup that ends before one exists is
            case PeerGone gone when !_sessions.ContainsKey(gone.SpiR) && !IsGoodbye(gone.Reason):
                m.IkeFailure(Snake(gone.Reason.ToString()));
                break;
            case MessageDropped d when DropCause.SaInitRefusal(d.Reason) is { } notify:
                m.IkeFailure(notify);
                break;
            case MessageDropped d:
                m.Dropped(DropCause.Of(d.Reason));
                break;
            case LimitReached l:
                m.Dropped(l.Limit);
                break;
            case RequestRetransmitted { MpsaPut: true }:
                m.MpsaPutRetransmitted();
                break;
            default:
                break;
        }
    }

    private static bool IsGoodbye(PeerGoneReason reason) => reason is PeerGoneReason.Closed or PeerGoneReason.DeletedByPeer;

    /// <summary><c>AuthenticationFailed</c> → <c>authentication_failed</c>.</summary>
    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : $"{c}"));
}
