using System.Net;
using System.Text;
using Mpsa.Agent;
using Mpsa.Agent.Config;
using Mpsa.Controller;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Netlink.Kernel;
using Mpsa.Tests.Exchanges;

namespace Mpsa.Tests.Secrets;

/// <summary>
/// Every IKE suite, both engines logging at Trace into capturing loggers, a connect, a group SA and a rekey; then no
/// secret either side held (PSK, SK_*, SK_d, KEYMAT, ESP keys, and every random value of 16 bytes or more: nonces,
/// DH seeds, MPSA_PUT SK_d) may appear in the logs, the kernel trace or the status output, in hex (either case) or base64.
/// The controller's log is also written by its three console formatters (text, JSON with every structured value,
/// systemd), exactly as <c>log_format</c> selects them.
/// </summary>
public class SecretsInLogsTests
{
    private static readonly IPEndPoint ControllerAt = new(IPAddress.Parse("192.0.2.1"), 500);
    private static readonly IPEndPoint AgentAt = new(IPAddress.Parse("192.0.2.10"), 500);
    private static readonly string[] GroupEsp = ["aes128-sha256", "aes256-sha256", "aes256-sha1"];
    private static readonly string[] GroupPrf = ["prfsha1", "prfsha256", "prfsha384", "prfsha512"];

    public static IEnumerable<TestCaseData> EverySuite() =>
        Suites.All().Select((s, i) => new TestCaseData(SuiteNames.Name(s), i).SetName($"LeaksNoSecretAtTrace({SuiteNames.Name(s)})"));

    [TestCaseSource(nameof(EverySuite))]
    public void LeaksNoSecretAtTrace(string suite, int index)
    {
        var captured = new CapturingLogger();
        using var text = new FormattedLogger("text");
        using var json = new FormattedLogger("json");
        using var systemd = new FormattedLogger("systemd");
        var controllerLog = new TeeLogger(captured, text, json, systemd);
        var agentLog = new CapturingLogger();
        var kernelTrace = new StringBuilder();
        var random = new RecordingRandom(index);
        var controllerSettings = Mpsa.Tests.EndToEnd.EngineLab.Read(ControllerConfig(suite, index), ControllerConfigFile.Read);
        var agentSettings = Mpsa.Tests.EndToEnd.EngineLab.Read(AgentConfig(suite, index), AgentConfigFile.Read);
        var now = new MonoTime(1_000);
        using var controller = new ControllerEngine(controllerSettings, controllerLog, random, now);
        using var kernel = new InMemoryKernel(line => kernelTrace.AppendLine(line));
        using var agent = new AgentEngine(agentSettings, kernel, AgentAt.Address, agentLog, random);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var output = new StringBuilder();

        var link = new Queue<Outgoing>(agent.Start(now));
        var end = now + TimeSpan.FromSeconds(40);   // lifetime 20 s, rekey margin 8 s: at least one rekey
        while (true)
        {
            while (link.TryDequeue(out var o))
            {
                var answers = o.To.Equals(ControllerAt) ? controller.Receive(o.Datagram, AgentAt, now) : agent.Receive(o.Datagram, ControllerAt, now);
                foreach (var a in answers)
                {
                    link.Enqueue(a);
                }
            }
            foreach (var root in new object[] { controllerSettings, agentSettings, controller, agent, kernel })
            {
                SecretHarvest.Collect(root, secrets);
            }
            output.AppendLine(ControllerCli.StatusText(controller.Status(now), json: true)).AppendLine(ControllerCli.StatusText(controller.Status(now), json: false))
                .AppendLine(AgentCli.StatusJson(agent.Status(now)));
            var next = MonoTime.Min(controller.NextDeadline, agent.NextDeadline);
            if (next is null || next.Value > end)
            {
                break;
            }
            now = next.Value;
            foreach (var o in controller.OnTimeout(now).Concat(agent.OnTimeout(now)))
            {
                link.Enqueue(o);
            }
        }
        secrets.UnionWith(random.Drawn);

        Assert.That(System.Text.RegularExpressions.Regex.Count(agentLog.Text, "^Information 500 group SA [0-9a-f]+ accepted", System.Text.RegularExpressions.RegexOptions.Multiline),
            Is.GreaterThanOrEqualTo(2), $"connected and rekeyed\n{agentLog.Text}\n{captured.Text}");
        Assert.That(secrets, Has.Count.GreaterThan(10), "secrets were collected");
        string everything = $"{captured.Text}\n{text.Text}\n{json.Text}\n{systemd.Text}\n{agentLog.Text}\n{kernelTrace}\n{output}";
        Assert.That(captured.Text, Does.Contain("Debug").Or.Contain("Trace"), "the most verbose levels were on");
        Assert.That(json.Text, Does.Contain("\"LogLevel\":\"Debug\"").And.Contain("\"State\":{"), "JSON lines with their values");
        Assert.That(systemd.Text, Does.Contain("<7>mpsa-controller["), "systemd lines at debug priority");
        var leaks = secrets.SelectMany(Encodings).Where(e => everything.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.That(leaks, Is.Empty, "secrets in the output");
    }

    /// <summary>The forms a secret could take in text: hex (both cases), base64 (padded or not), and the PSK as text.</summary>
    private static IEnumerable<string> Encodings(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        yield return hex;
        yield return hex.ToLowerInvariant();
        yield return BitConverter.ToString(bytes);
        string b64 = Convert.ToBase64String(bytes);
        yield return b64.TrimEnd('=');
        yield return b64.Replace('+', '-').Replace('/', '_').TrimEnd('=');
        if (bytes.All(b => b is >= 0x20 and < 0x7f))
        {
            yield return Encoding.ASCII.GetString(bytes);
        }
    }

    private static string ControllerConfig(string suite, int index) => $"""
        [controller]
        identity = controller.secrets
        listen = {ControllerAt}
        proposals = {suite}
        control_socket = /nonexistent/controller.sock
        log_level = debug
        [group g]
        esp = {GroupEsp[index % GroupEsp.Length]}
        prf = {GroupPrf[index % GroupPrf.Length]}
        lifetime = 20s
        rekey_margin = 8s
        roll1 = 2s
        roll2 = 4s
        [member cpe]
        identity = cpe.secrets
        psk = "the PSK of the secrets test {index}"
        group = g
        """;

    private static string AgentConfig(string suite, int index) => $"""
        [agent]
        identity = cpe.secrets
        psk = "the PSK of the secrets test {index}"
        local_address = {AgentAt.Address}
        proposals = {suite}
        control_socket = /nonexistent/agent.sock
        log_level = debug
        [controller]
        address = {ControllerAt.Address}
        identity = controller.secrets
        """;

    /// <summary>Seeded randomness that remembers every value long enough to be key material.</summary>
    private sealed class RecordingRandom(int seed) : IRandom
    {
        private readonly Random _random = new(seed);

        public List<string> Drawn { get; } = [];

        public void Fill(Span<byte> destination)
        {
            _random.NextBytes(destination);
            if (destination.Length >= 16)
            {
                Drawn.Add(Convert.ToHexString(destination));
            }
        }
    }
}
