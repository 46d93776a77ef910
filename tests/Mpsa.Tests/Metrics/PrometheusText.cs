using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mpsa.Tests.Metrics;

/// <summary>A scrape: each sample as (name, labels, value), and promtool's verdict on the text.</summary>
internal sealed partial class PrometheusText
{
    private PrometheusText(string text, List<(string Name, string Labels, double Value)> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<(string Name, string Labels, double Value)> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (string line in text.Split('\n'))
        {
            if (Sample().Match(line) is { Success: true } m)
            {
                samples.Add((m.Groups[1].Value, m.Groups[2].Value, double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
        }
        return new PrometheusText(text, samples);
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>; 0 when absent.</summary>
    public double Value(string name, string label = "") =>
        Samples.Where(s => s.Name == name && s.Labels.Contains(label, StringComparison.Ordinal)).Sum(s => s.Value);

    public static string? Promtool =>
        new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);

    /// <summary><c>promtool check metrics</c> on the text: (exit code, what it said).</summary>
    public (int ExitCode, string Output) Check()
    {
        var info = new ProcessStartInfo(Promtool!, "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(Text);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")]
    private static partial Regex Sample();
}
