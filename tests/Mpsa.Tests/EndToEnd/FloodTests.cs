using System.Text.RegularExpressions;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// The controller on loopback under a flood from a second process (mpsa-flood): IKE_SA_INIT from 1000 addresses
/// 127.77.x.y that never answer a cookie, and garbage. A real agent must connect while the flood goes on.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
public partial class FloodTests
{
    private const int FloodSeconds = 40;
    private const int Sources = 1000;
    private const int Rate = 10_000;
    private LoopbackLab? _lab;

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && _lab is not null)
        {
            TestContext.Out.WriteLine(_lab.Logs()[^Math.Min(20_000, _lab.Logs().Length)..]);
        }
        _lab?.Dispose();
        _lab = null;
    }

    [GeneratedRegex(@"flood: sent (\d+) IKE_SA_INIT from (\d+) sources and (\d+) garbage datagrams in \d+ s; answers: (\d+) cookies, (\d+) accepted, (\d+) other")]
    private static partial Regex Summary();

    [Test]
    public void AgentConnectsDuringAFloodOfSpoofedInitsAndGarbage()
    {
        _lab = new LoopbackLab(agents: 1);
        // Info level (a debug line per dropped datagram would be a flood of its own), cookies early, a small per-address share.
        File.WriteAllText(_lab.ControllerConfig, File.ReadAllText(_lab.ControllerConfig)
            .Replace("log_level = debug", "log_level = info\ncookie_threshold = 20\nmax_ike_sas_per_address = 4\nmax_pending_requests = 2048", StringComparison.Ordinal));
        var controller = _lab.StartController();
        _lab.WaitUntil(() => controller.Log.Contains("listening on", StringComparison.Ordinal), "the controller to listen");

        var flood = _lab.StartFlood(FloodSeconds, Sources, Rate);
        Thread.Sleep(3000); // the flood builds up before the member starts
        _lab.StartAgent(1);
        _lab.WaitUntil(() => _lab.ActiveSpi(1) is not null, "the agent to connect and install the group SA during the flood", seconds: FloodSeconds);
        Assert.That(flood.HasExited, Is.False, "the agent connected while the flood was still going");

        Assert.That(flood.WaitForExit(TimeSpan.FromSeconds(FloodSeconds + 30)), Is.Zero, flood.Log);
        var m = Summary().Match(flood.Log);
        Assert.That(m.Success, Is.True, flood.Log);
        long inits = long.Parse(m.Groups[1].Value), garbage = long.Parse(m.Groups[3].Value);
        long cookies = long.Parse(m.Groups[4].Value), accepted = long.Parse(m.Groups[5].Value);
        long peakKb = PeakRssKb(controller.Pid);
        TestContext.Out.WriteLine($"{m.Value}; controller peak RSS {peakKb / 1024} MiB");
        Assert.Multiple(() =>
        {
            Assert.That(inits, Is.GreaterThan(10_000), "a flood was sent");
            Assert.That(garbage, Is.GreaterThan(10_000), "garbage was sent");
            Assert.That(cookies, Is.GreaterThan(0), "cookies kicked in");
            Assert.That(accepted, Is.LessThan(inits / 10), "most spoofed requests got no half-open SA");
            Assert.That(controller.HasExited, Is.False, "the controller survived");
            Assert.That(peakKb, Is.LessThan(512 * 1024), "the controller's memory stayed bounded");
            Assert.That(_lab.ActiveSpi(1), Is.Not.Null, "the member is still connected after the flood");
        });
    }

    /// <summary>VmHWM: the process's peak resident set, in KiB.</summary>
    private static long PeakRssKb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
