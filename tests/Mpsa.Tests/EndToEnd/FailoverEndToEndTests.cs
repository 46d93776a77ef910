using System.Text.Json;

namespace Mpsa.Tests.EndToEnd;

/// <summary><c>address = 127.0.0.1, 127.0.0.2</c>: two controller processes on one port; the first is killed, the agent
/// goes to the second. (Two standalone controllers hold different group SAs; a cluster would share one.)</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class FailoverEndToEndTests
{
    private const int SIGKILL = 9;
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
    public void FailsOverToTheSecondControllerWhenTheFirstIsKilled()
    {
        var lab = _lab = new LoopbackLab(1);
        string config = File.ReadAllText(lab.AgentConfig(1));
        File.WriteAllText(lab.AgentConfig(1), config.Replace("\naddress = 127.0.0.1\n", "\naddress = 127.0.0.1, 127.0.0.2\n", StringComparison.Ordinal)
            .Replace("\n[controller]", "\nretransmit_timeout = 1s\nretransmit_tries = 3\n[controller]", StringComparison.Ordinal));
        string first = $"127.0.0.1:{lab.ControllerPort}", second = $"127.0.0.2:{lab.ControllerPort}";
        var controller1 = lab.StartController();
        lab.StartReplica("127.0.0.2", "controller2");
        var agent = lab.StartAgent(1);

        lab.WaitUntil(() => Connected(lab) == first && lab.ActiveSpi(1) is not null, "connected to the first controller, with its group SA");
        Assert.That(lab.AgentStatus(1).GetProperty("controller").GetProperty("addresses").EnumerateArray().Select(a => a.GetString()),
            Is.EqualTo(new[] { first, second }));

        controller1.Signal(SIGKILL);
        Assert.That(controller1.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(128 + SIGKILL));
        // the loss shows after liveness_interval (2 s) and the liveness check's sends at 0, 1 and 3 s, given up at 7 s
        lab.WaitUntil(() => Connected(lab) == second, "connected to the second controller", seconds: 60);

        Assert.That(agent.Log, Does.Contain($"controller {first} lost (NoResponse: "));
        Assert.That(agent.Log, Does.Contain($"failing over to {second} now"));
        var (code, text, _) = Daemon.Run("mpsa-agent", "status", "--config", lab.AgentConfig(1));
        Assert.That(code, Is.Zero);
        Assert.That(text, Does.StartWith($"controller {second} connected"));
        Assert.That(text, Does.Contain($"controller addresses {first}, {second} (tried in this order)"));
    }

    /// <summary>The address the agent is connected to, or null.</summary>
    private static string? Connected(LoopbackLab lab)
    {
        var status = lab.AgentStatus(1);
        if (status.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var controller = status.GetProperty("controller");
        return controller.GetProperty("state").GetString() == "connected" ? controller.GetProperty("address").GetString() : null;
    }
}
