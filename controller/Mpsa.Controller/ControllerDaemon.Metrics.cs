using Mpsa.Controller.Metrics;
using OpenTelemetry.Metrics;

namespace Mpsa.Controller;

/// <summary>The daemon's metrics endpoint: a scrape asks the driver loop for the fleet's figures, at most once a second.</summary>
internal sealed partial class ControllerDaemon
{
    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(2);
    private readonly Lock _snapshotLock = new();
    private (ControllerMetricsSnapshot Value, long At)? _snapshot;
    private ControllerMetrics? _metrics;

    /// <summary>Starts the endpoint when metrics_listen is set; false (logged) when it cannot listen.</summary>
    private bool TryStartMetrics(ControllerSettings settings, out MeterProvider? provider)
    {
        provider = null;
        if (settings.MetricsListen is not { } listen)
        {
            return true;
        }
        _metrics = new ControllerMetrics(Snapshot);
        _engine.Metrics = _metrics;
        string url = ControllerMetricsEndpoint.Url(listen);
        try
        {
            provider = ControllerMetricsEndpoint.Start(listen);
        }
#pragma warning disable CA1031 // HttpListener reports a port in use in more than one exception type
        catch (Exception e)
#pragma warning restore CA1031
        {
            string error = e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message;
            _log.CannotServeMetrics(url, error);
            return false;
        }
        _log.ServingMetrics(url);
        return true;
    }

    /// <summary>On the scraping thread: the loop's answer, reused for a second (one scrape reads it once per gauge).</summary>
    private ControllerMetricsSnapshot? Snapshot()
    {
        lock (_snapshotLock)
        {
            long now = Environment.TickCount64;
            if (_snapshot is { } s && now - s.At < 1000)
            {
                return s.Value;
            }
            var reply = new TaskCompletionSource<ControllerMetricsSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_loop.Post(new ControllerInput.MetricsWanted(reply)) || !reply.Task.Wait(SnapshotTimeout))
            {
                return null;
            }
            _snapshot = (reply.Task.Result, now);
            return reply.Task.Result;
        }
    }
}
