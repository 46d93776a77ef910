using System.Net;
using System.Net.Sockets;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Mpsa.Controller.Metrics;

/// <summary>
/// The Prometheus text endpoint (<c>metrics_listen</c>): OpenTelemetry's exporter on its own HttpListener, serving
/// <c>GET /metrics</c> from the controller's meter only.
/// </summary>
internal static class ControllerMetricsEndpoint
{
    public static MeterProvider Start(IPEndPoint listen) =>
        Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService("mpsa-controller", serviceVersion: ControllerCli.Version))
            .AddMeter(ControllerMetrics.MeterName)
            .AddPrometheusHttpListener(o =>
            {
                o.Host = Host(listen);
                o.Port = listen.Port;
                o.ScrapeEndpointPath = "/metrics";
                o.ScopeInfoEnabled = false;   // one meter: its name on every series says nothing
            })
            .Build();

    /// <summary>The scrape URL, as logged.</summary>
    public static string Url(IPEndPoint listen) => $"http://{Host(listen)}:{listen.Port}/metrics";

    /// <summary>HttpListener's host: <c>127.0.0.1</c>, <c>[::1]</c>, or <c>*</c> for any address.</summary>
    private static string Host(IPEndPoint listen) =>
        listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any) ? "*"
            : listen.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{listen.Address}]" : listen.Address.ToString();
}
