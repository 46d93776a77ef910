using System.Globalization;

namespace Mpsa.Bench;

/// <summary>Percentiles of setup latencies (nearest rank).</summary>
internal static class LatencySummary
{
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Format(List<double> latencies)
    {
        latencies.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"p50_ms={Percentile(latencies, 50):F1} p99_ms={Percentile(latencies, 99):F1}");
    }
}
