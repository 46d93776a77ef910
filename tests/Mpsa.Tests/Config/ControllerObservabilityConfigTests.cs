using System.Net;
using Mpsa.Controller;
using Mpsa.Hosting;

namespace Mpsa.Tests.Config;

/// <summary>log_format and metrics_listen: defaults, accepted values, and FILE:LINE for what is wrong.</summary>
public class ControllerObservabilityConfigTests
{
    private static (ControllerSettings? Settings, string[] Errors) Read(string controllerKeys) => ControllerConfigSample.Read(controllerKeys);

    [Test]
    public void DefaultsToTextLogsAndNoMetricsEndpoint()
    {
        var (s, errors) = Read("");
        Assert.That(errors, Is.Empty);
        Assert.That((s!.LogFormat, s.MetricsListen), Is.EqualTo(("text", (IPEndPoint?)null)));
    }

    [TestCase("log_format = json\nmetrics_listen = 127.0.0.1:9105", "json", "127.0.0.1:9105")]
    [TestCase("log_format = SYSTEMD\nmetrics_listen = 127.0.0.1", "systemd", "127.0.0.1:9105")]
    [TestCase("log_format = text\nmetrics_listen = [::1]:9200", "text", "[::1]:9200")]
    public void AcceptsEachFormatAndAnEndpoint(string keys, string format, string endpoint)
    {
        var (s, errors) = Read(keys);
        Assert.That(errors, Is.Empty);
        Assert.That((s!.LogFormat, s.MetricsListen), Is.EqualTo((format, IPEndPoint.Parse(endpoint))));
    }

    [TestCase("log_format = xml", "/etc/mpsa/controller.conf:3: log_format: 'xml' is not one of 'text', 'json', 'systemd'")]
    [TestCase("metrics_listen = localhost:9105", "/etc/mpsa/controller.conf:3: metrics_listen: 'localhost:9105' is not an endpoint")]
    [TestCase("metrics_listen = 127.0.0.1:0", "/etc/mpsa/controller.conf:3: metrics_listen: '127.0.0.1:0' is not an endpoint")]
    public void ReportsFileLineAndWhatIsWrong(string keys, string error)
    {
        var (_, errors) = Read(keys);
        Assert.That(errors, Has.Some.StartsWith(error), string.Join("\n", errors));
    }
}
