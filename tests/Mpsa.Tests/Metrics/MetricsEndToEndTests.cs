using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mpsa.Controller.Metrics;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Metrics;

/// <summary>
/// The controller's Prometheus endpoint scraped while members join, fail, stall and a rekey runs: every scrape passes
/// <c>promtool check metrics</c> and the values move as they should. The controller logs JSON meanwhile.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
public class MetricsEndToEndTests
{
    private const int SIGSTOP = 19;
    private const int SIGCONT = 18;
    private LoopbackLab? _lab;

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && _lab is not null)
        {
            TestContext.Out.WriteLine(_lab.Logs());
        }
        _lab?.Dispose();
        _lab = null;
    }

    [Test]
    public void ScrapesMoveAsMembersJoinAndARekeyRuns()
    {
        if (PrometheusText.Promtool is null)
        {
            Assert.Ignore("promtool not installed (Debian package prometheus, in the Makefile's APT_PACKAGES)");
        }
        // lifetime 16 s, rekey margin 8 s: the first rekey 8 s after the start; member 3 has the wrong PSK; every
        // IKE_SA_INIT is first answered with a cookie (cookie_threshold = 0)
        var lab = _lab = new LoopbackLab(3);
        int port = FreeTcpPort();
        File.WriteAllText(lab.ControllerConfig, File.ReadAllText(lab.ControllerConfig)
            .Replace("[controller]\n", $"[controller]\nmetrics_listen = 127.0.0.1:{port}\nlog_format = json\ncookie_threshold = 0\n", StringComparison.Ordinal));
        File.WriteAllText(lab.AgentConfig(3), File.ReadAllText(lab.AgentConfig(3)).Replace("e2e secret of cpe3", "not the PSK", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        PrometheusText? last = null;
        PrometheusText Scrape()
        {
            var scrape = PrometheusText.Parse(http.GetStringAsync("metrics").GetAwaiter().GetResult());
            var (code, said) = scrape.Check();
            Assert.That(code, Is.Zero, $"promtool check metrics: {said}\n{scrape.Text}");
            seen.UnionWith(scrape.Samples.Select(s => s.Name));
            return last = scrape;
        }
        bool Holds(Func<PrometheusText, bool> condition)
        {
            try
            {
                return condition(Scrape());
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        lab.StartController();
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_members_configured", "group=\"e2e\"") == 3), "the endpoint");
        Assert.That(last!.Value("mpsa_controller_members_connected"), Is.Zero);
        Assert.That(last.Value("mpsa_controller_ike_setups_total"), Is.Zero);
        double lifeAtStart = last.Value("mpsa_controller_group_sa_life_remaining_seconds");
        Assert.That(lifeAtStart, Is.InRange(1, 16));

        using (var udp = new UdpClient())
        {
            udp.Send([1, 2, 3], 3, new IPEndPoint(IPAddress.Loopback, lab.ControllerPort));   // shorter than an IKE header
        }
        lab.StartAgent(1);
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_members_holding_current_sa") == 1), "member 1 holding the SA");
        lab.StartAgent(2);
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_members_holding_current_sa") == 2), "member 2 holding the SA");
        Assert.That(last.Value("mpsa_controller_members_connected"), Is.EqualTo(2));
        Assert.That(last.Value("mpsa_controller_ike_setups_total"), Is.EqualTo(2));
        Assert.That(last.Value("mpsa_controller_packets_dropped_total", "cause=\"malformed\""), Is.EqualTo(1));
        Assert.That(last.Value("mpsa_controller_cookies_sent_total"), Is.GreaterThanOrEqualTo(2));
        lab.StartAgent(3);
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_ike_failures_total") >= 1), "member 3's failed setup");
        Assert.That(last.Value("mpsa_controller_members_connected"), Is.EqualTo(2));

        // Member 2 stops answering before the rekey: its MPSA_PUT is retransmitted and it is late at ROLL1.
        double fanOutsBefore = last.Value("mpsa_controller_rekey_fanout_duration_seconds_count");
        lab.AgentProcesses[2].Signal(SIGSTOP);
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_mpsa_put_retransmissions_total") >= 1
            && m.Value("mpsa_controller_rekey_members_not_acknowledged_total", "group=\"e2e\"") >= 1), "member 2 late for the rekey");
        Assert.That(last.Value("mpsa_controller_rekey_fanout_duration_seconds_count"), Is.EqualTo(fanOutsBefore), "the fan-out waits for member 2");
        lab.AgentProcesses[2].Signal(SIGCONT);
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_rekey_fanout_duration_seconds_count", "group=\"e2e\"") > fanOutsBefore),
            "the fan-out answered by both");
        Assert.That(last.Value("mpsa_controller_rekey_fanout_duration_seconds_sum"), Is.GreaterThan(0));
        Assert.That(last.Value("mpsa_controller_rekey_fanout_duration_seconds_bucket", "le=\"+Inf\""), Is.GreaterThanOrEqualTo(1));
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_members_holding_current_sa") == 2
            && m.Value("mpsa_controller_group_sa_life_remaining_seconds") > 8), "both on the new SA, its LIFE ahead");

        var exported = seen.Select(n => n.EndsWith("_bucket", StringComparison.Ordinal) || n.EndsWith("_count", StringComparison.Ordinal)
            ? n[..n.LastIndexOf('_')] : n.EndsWith("_sum", StringComparison.Ordinal) ? n[..^4] : n).ToHashSet();
        Assert.That(ControllerMetrics.Names, Is.SubsetOf(exported), "every documented metric was scraped");
        foreach (string line in lab.Controller!.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            Assert.That(json.RootElement.GetProperty("EventId").GetInt32(), Is.GreaterThan(0), line);
        }
        Assert.That(lab.Controller.Log, Does.Contain("\"EventId\":107"), "serving metrics");
    }

    [Test]
    public void ExitsWhenTheMetricsPortIsTaken()
    {
        var lab = _lab = new LoopbackLab(1);
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        File.WriteAllText(lab.ControllerConfig, File.ReadAllText(lab.ControllerConfig)
            .Replace("[controller]\n", $"[controller]\nmetrics_listen = 127.0.0.1:{port}\n", StringComparison.Ordinal));
        var controller = lab.StartController();
        Assert.That(controller.WaitForExit(TimeSpan.FromSeconds(20)), Is.EqualTo(71));
        Assert.That(controller.Log, Does.Contain($"crit: mpsa-controller[108] cannot serve metrics on http://127.0.0.1:{port}/metrics"));
    }

    [Test]
    public void CountsAndWarnsAboutDatagramsTheReceiveBufferCouldNotHold()
    {
        // max_pending_requests 16: a receive buffer of 4 KiB. The controller is stopped while 300 datagrams come in; every
        // one is either handled (malformed: too short for an IKE header) or dropped by the kernel (queue_full).
        var lab = _lab = new LoopbackLab(1);
        int port = FreeTcpPort();
        File.WriteAllText(lab.ControllerConfig, File.ReadAllText(lab.ControllerConfig)
            .Replace("[controller]\n", $"[controller]\nmetrics_listen = 127.0.0.1:{port}\nmax_pending_requests = 16\n", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        PrometheusText? last = null;
        bool Holds(Func<PrometheusText, bool> condition)
        {
            try
            {
                return condition(last = PrometheusText.Parse(http.GetStringAsync("metrics").GetAwaiter().GetResult()));
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }
        var controller = lab.StartController();
        lab.WaitUntil(() => Holds(m => m.Value("mpsa_controller_members_configured", "group=\"e2e\"") == 1), "the endpoint");

        controller.Signal(SIGSTOP);
        using (var udp = new UdpClient())
        {
            for (int i = 0; i < 300; i++)
            {
                udp.Send(new byte[20], 20, new IPEndPoint(IPAddress.Loopback, lab.ControllerPort));
            }
        }
        controller.Signal(SIGCONT);

        static double Dropped(PrometheusText m, string cause) => m.Value("mpsa_controller_packets_dropped_total", $"cause=\"{cause}\"");
        lab.WaitUntil(() => Holds(m => Dropped(m, "malformed") + Dropped(m, "queue_full") == 300), "all 300 counted");
        Assert.That(Dropped(last!, "queue_full"), Is.GreaterThan(0), "the buffer held fewer than 300");
        Assert.That(Dropped(last!, "malformed"), Is.GreaterThan(0), "what it held was handled");
        lab.WaitUntil(() => controller.Log.Contains("receive queue full (max_pending_requests 16): the kernel dropped", StringComparison.Ordinal),
            "the warning");
    }

    private static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
