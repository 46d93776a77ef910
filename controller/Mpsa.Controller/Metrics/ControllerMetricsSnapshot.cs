namespace Mpsa.Controller.Metrics;

/// <summary>The fleet's figures at one moment, taken on the driver loop for a scrape.</summary>
internal sealed record ControllerMetricsSnapshot(IReadOnlyList<GroupFigures> Groups, long IkeSas, long CookiesSent);

/// <summary>One group: members configured, connected, holding and refusing the current SA, and seconds to its LIFE.</summary>
internal sealed record GroupFigures(string Name, long Configured, long Connected, long HoldingCurrent, long RefusedCurrent,
    long SecondsUntilLife);
