using System.Text.Json;
using System.Text.RegularExpressions;
using Mpsa.Controller.Metrics;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Metrics;

/// <summary>packaging/grafana/mpsa-controller.json: its queries name only metrics the controller exports.</summary>
public partial class GrafanaDashboardTests
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    private static JsonElement Dashboard() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Daemon.RepoRoot, "packaging/grafana/mpsa-controller.json"))).RootElement;

    private static IEnumerable<string> Expressions(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name is "expr" or "definition" && p.Value.ValueKind == JsonValueKind.String)
                {
                    yield return p.Value.GetString()!;
                }
                foreach (var x in Expressions(p.Value))
                {
                    yield return x;
                }
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in e.EnumerateArray().SelectMany(Expressions))
            {
                yield return x;
            }
        }
    }

    [Test]
    public void NamesOnlyExportedMetricsInEveryQuery()
    {
        var expressions = Expressions(Dashboard()).ToList();
        Assert.That(expressions, Has.Count.GreaterThan(10));
        foreach (string expr in expressions)
        {
            var names = MetricName().Matches(expr).Select(m => m.Value).ToList();
            Assert.That(names, Is.Not.Empty, $"a query without an mpsa metric: {expr}");
            foreach (string name in names)
            {
                string base_ = HistogramSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal)) is { } suffix
                    && ControllerMetrics.Names.Contains(name[..^suffix.Length]) ? name[..^suffix.Length] : name;
                Assert.That(ControllerMetrics.Names, Does.Contain(base_), $"{name} in {expr}");
            }
        }
    }

    [Test]
    public void HasThePanelsTheIssueAsksFor()
    {
        var titles = Dashboard().GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("title").GetString()).ToList();
        Assert.That(titles, Is.SupersetOf(new[] { "Fleet health", "Rekey fan-out", "Handshakes", "Time to LIFE" }));
    }

    [Test]
    public void ShowsEveryExportedMetric()
    {
        string all = string.Join("\n", Expressions(Dashboard()));
        Assert.That(ControllerMetrics.Names.Where(n => !all.Contains(n, StringComparison.Ordinal)), Is.Empty);
    }

    [GeneratedRegex(@"mpsa_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
