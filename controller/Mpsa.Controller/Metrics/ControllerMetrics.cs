using System.Diagnostics.Metrics;

namespace Mpsa.Controller.Metrics;

/// <summary>
/// The controller's instruments (System.Diagnostics.Metrics, meter <see cref="MeterName"/>). Counters and the fan-out
/// histogram are recorded by the engine as things happen; the fleet gauges are read from a
/// <see cref="ControllerMetricsSnapshot"/> taken when a scrape collects them. Prometheus names (OpenTelemetry's
/// conversion: dots become underscores, the unit and <c>_total</c> are appended) are listed in <see cref="Names"/>.
/// </summary>
internal sealed class ControllerMetrics : IDisposable
{
    public const string MeterName = "Mpsa.Controller";

    /// <summary>Every metric name as Prometheus shows it (a histogram adds _bucket, _sum and _count).</summary>
    public static readonly string[] Names =
    [
        "mpsa_controller_members_configured", "mpsa_controller_members_connected",
        "mpsa_controller_members_holding_current_sa", "mpsa_controller_members_refused_current_sa",
        "mpsa_controller_group_sa_life_remaining_seconds", "mpsa_controller_ike_sas",
        "mpsa_controller_ike_setups_total", "mpsa_controller_ike_failures_total", "mpsa_controller_cookies_sent_total",
        "mpsa_controller_packets_dropped_total", "mpsa_controller_rekey_fanout_duration_seconds",
        "mpsa_controller_rekey_members_not_acknowledged_total", "mpsa_controller_mpsa_put_retransmissions_total",
    ];

    /// <summary>Fan-out durations: from a handful of members on a LAN to a 10,000-member fleet.</summary>
    private static readonly double[] FanOutBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter _meter = new(MeterName, ControllerCli.Version);
    private readonly Counter<long> _setups;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _retransmissions;
    private readonly Counter<long> _notAcknowledged;
    private readonly Histogram<double> _fanOut;

    /// <param name="snapshot">Called on the scraping thread; null when the daemon does not answer in time.</param>
    public ControllerMetrics(Func<ControllerMetricsSnapshot?> snapshot)
    {
        _setups = Counter("ike.setups", "IKE SAs established with members (IKE_AUTH done)");
        _failures = Counter("ike.failures",
            "IKE SA setups that failed, by reason (authentication_failed, no_proposal_chosen, refused, ...)");
        _dropped = Counter("packets.dropped",
            "Datagrams dropped, by cause (malformed, unknown_sa, integrity, retransmission, queue_full, max_*, ...)");
        _retransmissions = Counter("mpsa_put.retransmissions", "MPSA_PUT requests sent again: the member had not answered");
        _notAcknowledged = Counter("rekey.members_not_acknowledged",
            "Members that had not acknowledged a rekey's SA at ROLL1, or left before they did");
        _fanOut = _meter.CreateHistogram("mpsa.controller.rekey.fanout.duration", "s",
            "From a rekey's start until every member answered its MPSA_PUT",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FanOutBuckets });
        GroupGauge("members.configured", null, "Members in the configuration", g => g.Configured);
        GroupGauge("members.connected", null, "Members with an IKE SA", g => g.Connected);
        GroupGauge("members.holding_current_sa", null, "Connected members that acknowledged the group's current SA",
            g => g.HoldingCurrent);
        GroupGauge("members.refused_current_sa", null, "Connected members that refused the group's current SA",
            g => g.RefusedCurrent);
        GroupGauge("group_sa.life_remaining", "s", "Seconds until the group's current SA reaches LIFE", g => g.SecondsUntilLife);
        _meter.CreateObservableGauge("mpsa.controller.ike_sas", () => Single(snapshot(), s => s.IkeSas), null,
            "IKE SAs held, half-open and those a rekey replaced included");
        _meter.CreateObservableCounter("mpsa.controller.cookies.sent", () => Single(snapshot(), s => s.CookiesSent), null,
            "IKE_SA_INIT requests answered with N(COOKIE)");

        void GroupGauge(string name, string? unit, string description, Func<GroupFigures, long> value) =>
            _meter.CreateObservableGauge("mpsa.controller." + name, () => PerGroup(snapshot(), value), unit, description);
    }

    private Counter<long> Counter(string name, string description) =>
        _meter.CreateCounter<long>("mpsa.controller." + name, null, description);

    public void IkeSetup() => _setups.Add(1);

    public void IkeFailure(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dropped(string cause, long count = 1) => _dropped.Add(count, new KeyValuePair<string, object?>("cause", cause));

    public void MpsaPutRetransmitted() => _retransmissions.Add(1);

    public void MembersNotAcknowledged(string group, int count) =>
        _notAcknowledged.Add(count, new KeyValuePair<string, object?>("group", group));

    public void FanOutAnswered(string group, TimeSpan elapsed) =>
        _fanOut.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("group", group));

    private static IEnumerable<Measurement<long>> PerGroup(ControllerMetricsSnapshot? s, Func<GroupFigures, long> value) =>
        s is null ? [] : s.Groups.Select(g => new Measurement<long>(value(g), new KeyValuePair<string, object?>("group", g.Name)));

    private static IEnumerable<Measurement<long>> Single(ControllerMetricsSnapshot? s, Func<ControllerMetricsSnapshot, long> value) =>
        s is null ? [] : [new Measurement<long>(value(s))];

    public void Dispose() => _meter.Dispose();
}
