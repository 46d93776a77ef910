using Mpsa.Tests.Netlink;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// The agent started before its uplink, as a router starts it before PPPoE or DHCP: the real daemons in a network
/// namespace whose only interface is lo, the controller's address (198.51.100.1) missing until the test adds it.
/// </summary>
[TestFixture]
[Category("Rtnetlink")]
[NonParallelizable]
public class UplinkEndToEndTests
{
    [Test]
    public void AnAgentStartedBeforeItsUplinkWaitsSaysWhyAndConnectsOnceTheAddressComes()
    {
        using var ns = NetworkNamespace.CreateOrIgnore();
        using var lab = new LoopbackLab(1);
        File.WriteAllText(lab.ControllerConfig, File.ReadAllText(lab.ControllerConfig)
            .Replace($"listen = 127.0.0.1:{lab.ControllerPort}", $"listen = 0.0.0.0:{lab.ControllerPort}", StringComparison.Ordinal));
        File.WriteAllText(lab.AgentConfig(1), File.ReadAllText(lab.AgentConfig(1))
            .Replace("local_address = 127.0.0.1\n", "", StringComparison.Ordinal)
            .Replace("address = 127.0.0.1", "address = 198.51.100.1", StringComparison.Ordinal));
        var controller = lab.StartControllerInNamespace(ns.Name);
        lab.WaitUntil(() => controller.Log.Contains("listening on", StringComparison.Ordinal), "the controller listens");
        var agent = lab.StartAgentInNamespace(1, ns.Name);

        lab.WaitUntil(() => agent.Log.Contains("[103]", StringComparison.Ordinal), "the agent says it waits for the uplink");
        var waiting = lab.AgentStatus(1);
        Assert.That(waiting.GetProperty("controller").GetProperty("state").GetString(), Is.EqualTo("waiting-for-uplink"));
        Assert.That(waiting.GetProperty("uplink").GetProperty("missing").GetString(), Is.EqualTo("no route towards the controller 198.51.100.1"));
        var (_, text, _) = Daemon.Run("mpsa-agent", "status", "--config", lab.AgentConfig(1));
        Assert.That(text, Does.Contain("uplink missing: no route towards the controller 198.51.100.1"));
        Thread.Sleep(1000);
        Assert.That(agent.HasExited, Is.False, "waiting, not exiting into a respawn loop");
        Assert.That(CountOf(agent.Log, "[103]"), Is.EqualTo(1), "said once");
        Assert.That(controller.Log, Does.Not.Contain("IKE_SA_INIT"), "nothing reached the controller yet");

        ns.Ip("addr add 198.51.100.1/32 dev lo");
        lab.WaitUntil(() => lab.ActiveSpi(1) is not null, "the agent connected and holds the group SA once the address came");
        Assert.That(agent.Log, Does.Contain("[104] uplink up after"));
        var uplink = lab.AgentStatus(1).GetProperty("uplink");
        Assert.That(uplink.GetProperty("missing").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        Assert.That(uplink.GetProperty("local_address").GetString(), Is.EqualTo("198.51.100.1"), "IKE leaves from the address that came");
        Assert.That(uplink.GetProperty("underlay_address").GetString(), Is.EqualTo("198.51.100.1"));
    }

    private static int CountOf(string text, string what)
    {
        int n = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
