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
        var (controller, agent) = StartWaiting(ns, lab, "198.51.100.1");
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
        lab.WaitUntil(() => lab.ActiveSpi(1) is not null, "the agent connected and holds the group SA once the address came", seconds: 120);
        Assert.That(agent.Log, Does.Contain("[104] uplink up after"));
        var uplink = lab.AgentStatus(1).GetProperty("uplink");
        Assert.That(uplink.GetProperty("missing").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        Assert.That(uplink.GetProperty("local_address").GetString(), Is.EqualTo("198.51.100.1"), "IKE leaves from the address that came");
        Assert.That(uplink.GetProperty("underlay_address").GetString(), Is.EqualTo("198.51.100.1"));
    }

    [Test]
    public void AReloadWhileWaitingTakesTheCorrectedControllerAddressAtOnce()
    {
        // the controller's address mistyped (no route to it); the operator corrects the file and reloads (procd: SIGHUP)
        using var ns = NetworkNamespace.CreateOrIgnore();
        using var lab = new LoopbackLab(1);
        var (_, agent) = StartWaiting(ns, lab, "198.51.100.7");

        File.WriteAllText(lab.AgentConfig(1), File.ReadAllText(lab.AgentConfig(1)).Replace("address = 198.51.100.7", "address = 198.51.100.", StringComparison.Ordinal));
        var (_, refused, _) = Daemon.Run("mpsa-agent", "reload", "--socket", Path.Combine(lab.Directory, "cpe1.sock"));
        Assert.That(refused, Does.Contain("reload failed"), "a broken file is refused while waiting too");
        lab.WaitUntil(() => agent.Log.Contains("[401] reload refused", StringComparison.Ordinal), "the refusal logged", seconds: 30);

        File.WriteAllText(lab.AgentConfig(1), File.ReadAllText(lab.AgentConfig(1)).Replace("address = 198.51.100.", "address = 127.0.0.1", StringComparison.Ordinal));
        agent.Signal(1);   // SIGHUP
        lab.WaitUntil(() => lab.ActiveSpi(1) is not null, "the agent connected to the corrected address and holds the group SA", seconds: 120);
        Assert.That(agent.Log, Does.Contain("[601] SIGHUP received, reloading"));
        Assert.That(agent.Log, Does.Contain("[402] configuration reloaded"));
        Assert.That(agent.Log, Does.Contain("[104] uplink up after"));
        Assert.That(lab.AgentStatus(1).GetProperty("controller").GetProperty("address").GetString(), Does.StartWith("127.0.0.1"));
        agent.Signal(15);   // SIGTERM
        Assert.That(agent.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
        Assert.That(agent.Log, Does.Contain("[600] SIGTERM received, stopping"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void WhenTheWanAddressChangesTheIkeSaFollowsAndTheControllerWithIt(bool mobike)
    {
        var (hub, cpe) = NetworkNamespace.PairOrIgnore("fd00:78::1", "fd00:78::2");
        using var hubOwner = hub;
        using var cpeOwner = cpe;
        using var lab = new LoopbackLab(1);
        lab.Readdress("[fd00:78::1]", "fd00:78::1");
        if (!mobike)
        {
            File.WriteAllText(lab.AgentConfig(1), File.ReadAllText(lab.AgentConfig(1)).Replace("[agent]\n", "[agent]\nmobike = no\n", StringComparison.Ordinal));
        }
        lab.StartControllerInNamespace(hub.Name);
        var agent = lab.StartAgentInNamespace(1, cpe.Name);
        lab.WaitUntil(() => lab.ActiveSpi(1) is not null && MemberAddress(lab) == "[fd00:78::2]", "the agent connected from fd00:78::2", seconds: 120);
        string spis = IkeSpis(lab);

        // a PPPoE or DHCP reconnect: the old address goes, a new one comes
        cpe.Ip("addr add fd00:78::3/64 dev veth-c nodad");
        cpe.Ip("addr del fd00:78::2/64 dev veth-c");
        var changed = System.Diagnostics.Stopwatch.StartNew();
        lab.WaitUntil(() => MemberAddress(lab) == "[fd00:78::3]" && Holds(lab), "the controller sees the member at fd00:78::3, holding the current SA", seconds: 120);
        TestContext.Out.WriteLine($"{(mobike ? "moved" : "reconnected")}, with the group SA, {changed.Elapsed.TotalSeconds:F1} s after the address changed");
        Assert.That(agent.Log, Does.Contain("[106] the address IKE leaves from changed: fd00:78::2 -> fd00:78::3"));
        if (mobike)
        {
            // RFC 4555: the same IKE SA, moved; the controller logged the move
            lab.WaitUntil(() => agent.Log.Contains("[109] IKE SA", StringComparison.Ordinal), "the agent logged the move", seconds: 120);
            Assert.That(IkeSpis(lab), Is.EqualTo(spis), "the same IKE SA (SPIs) after the move");
            Assert.That(lab.Controller!.Log, Does.Contain("[224] member cpe1 moved its IKE SA"));
        }
        else
        {
            Assert.That(IkeSpis(lab), Is.Not.EqualTo(spis), "without MOBIKE: a new IKE SA from the new address");
            Assert.That(agent.Log, Does.Not.Contain("[109]"));
        }
        var uplink = lab.AgentStatus(1).GetProperty("uplink");
        Assert.That(uplink.GetProperty("local_address").GetString(), Is.EqualTo("fd00:78::3"));
        Assert.That(uplink.GetProperty("underlay_address").GetString(), Is.EqualTo("fd00:78::3"), "the data plane follows (no underlay configured)");
        Assert.That(uplink.GetProperty("previous_local_address").GetString(), Is.EqualTo("fd00:78::2"));
        Assert.That(uplink.GetProperty("changed_seconds_ago").GetInt64(), Is.GreaterThanOrEqualTo(0));
        Assert.That(lab.ActiveSpi(1), Is.Not.Null);
        Assert.That(agent.HasExited, Is.False);
    }

    /// <summary>The controller in <paramref name="ns"/> (only lo), and agent 1 there towards <paramref name="controllerAddress"/>,
    /// which no route reaches yet: returned once the agent says it waits.</summary>
    private static (Daemon Controller, Daemon Agent) StartWaiting(NetworkNamespace ns, LoopbackLab lab, string controllerAddress)
    {
        lab.Readdress("0.0.0.0", controllerAddress);
        var controller = lab.StartControllerInNamespace(ns.Name);
        lab.WaitUntil(() => controller.Log.Contains("listening on", StringComparison.Ordinal), "the controller listens", seconds: 120);
        var agent = lab.StartAgentInNamespace(1, ns.Name);
        lab.WaitUntil(() => agent.Log.Contains("[103]", StringComparison.Ordinal), "the agent says it waits for the uplink", seconds: 120);
        return (controller, agent);
    }

    private static string IkeSpis(LoopbackLab lab)
    {
        var ike = lab.AgentStatus(1).GetProperty("ike_sa");
        return $"{ike.GetProperty("spi_i").GetString()}/{ike.GetProperty("spi_r").GetString()}";
    }

    /// <summary>The address the controller has for member cpe1, as its status prints it (without the port).</summary>
    private static string? MemberAddress(LoopbackLab lab)
    {
        var s = lab.ControllerStatus();
        if (s.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return null;
        }
        var address = s.GetProperty("members").EnumerateArray().First().GetProperty("address").GetString();
        return address is null ? null : address[..address.LastIndexOf(':')];
    }

    private static bool Holds(LoopbackLab lab) =>
        lab.ControllerStatus() is { ValueKind: System.Text.Json.JsonValueKind.Object } s
        && s.GetProperty("members").EnumerateArray().First().GetProperty("holds_current_sa").GetBoolean();

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
