using System.Text.Json;

namespace Mpsa.Tests.Interop;

/// <summary>
/// The CPE as operators run it, against each charon (tests/interop/run-interop.sh's variants):
/// an IKE SA with no CHILD_SA (RFC 6023) from charon to the controller and from the agent to charon; a charon CPE
/// behind a NAT against the controller's default listen (port 500 and 4500 beside it on every address); and a refused
/// CHILD_SA, both ways, after which the IKE SA stands on both sides and carries the group SA; and the agent with encap = yes,
/// which charon takes for a NAT. Each test prints charon's
/// `swanctl --list-sas`.
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public class CpeVariantsInteropTests(Charon charon) : InteropTest(charon)
{
    [Test]
    public void CharonConnectsWithoutAChildSaAndAnswersMpsaPut()
    {
        var ev = Run("charon-to-controller-childless");
        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var member = Member(ev);
        string log = ev.CharonLog("cpe").Text;
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That((ike.State, ike.Children.Count), Is.EqualTo(("ESTABLISHED", 0)), "charon: the IKE SA, no CHILD_SA");
            Assert.That(log, Does.Match(@"generating IKE_AUTH request 1 \[ IDi [^]]*AUTH[^]]*\]"));
            Assert.That(log, Does.Not.Match(@"generating IKE_AUTH request 1 \[[^]]* SA TSi TSr"), "charon left SA, TSi and TSr out");
            Assert.That(Str(member, "state"), Is.EqualTo("connected"));
            Assert.That(Str(member, "child_sa"), Is.EqualTo("none (childless)"));
            Assert.That(Str(member, "last_acked_spi"), Does.Match("^[0-9a-f]{8}$"), "charon answered the MPSA_PUT");
            AssertNoErrorsLogged(ev, "controller");
        });
    }

    [Test]
    public void ACpeBehindANatReachesTheDefaultListen()
    {
        var ev = Run("charon-to-controller-nat");
        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var member = Member(ev);
        var config = ev.Text("controller.conf") ?? "";
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That(config, Does.Not.Contain("listen"), "the controller runs on its default listen");
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"));
            Assert.That(ike.RemoteAddress, Is.EqualTo("10.91.0.1[4500]"), "charon floated to 4500 after the NAT detection");
            Assert.That(ike.Children.Select(c => (c.State, c.Mode)), Is.EqualTo(new[] { ("INSTALLED", "TUNNEL-in-UDP") }));
            Assert.That(Str(member, "address"), Is.EqualTo("10.91.0.2:14500"), "the controller answers at the NAT's port for 4500");
            Assert.That(Str(member, "last_acked_spi"), Does.Match("^[0-9a-f]{8}$"), "charon answered the MPSA_PUT through the NAT");
            Assert.That(ev.Text("controller.log"), Does.Contain("udp-encap"), "the CHILD_SA is UDP-encapsulated");
            AssertNoErrorsLogged(ev, "controller");
        });
    }

    [Test]
    public void AChildSaTheControllerRefusesLeavesTheIkeSaOnBothSides()
    {
        var ev = Run("charon-to-controller-child-refused");
        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var member = Member(ev);
        string log = ev.CharonLog("cpe").Text;
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That((ike.State, ike.Children.Count), Is.EqualTo(("ESTABLISHED", 0)), "charon keeps the IKE SA");
            Assert.That(log, Does.Match(@"parsed IKE_AUTH response 1 \[ IDr AUTH [^]]*N\(NO_PROP\)"));
            Assert.That(log, Does.Contain("failed to establish CHILD_SA, keeping IKE_SA"));
            Assert.That(Str(member, "state"), Is.EqualTo("connected"));
            Assert.That(Str(member, "child_sa"), Is.EqualTo("refused (NO_PROPOSAL_CHOSEN)"));
            Assert.That(Str(member, "last_acked_spi"), Does.Match("^[0-9a-f]{8}$"), "the IKE SA carries the group SA");
        });
    }

    [Test]
    public void TheAgentConnectsWithoutAChildSa()
    {
        var ev = Run("agent-to-charon-childless", needAgent: true);
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var status = ev.StatusOrUndefined("agent");
        string log = ev.CharonLog("hub").Text;
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That((ike.State, ike.Children.Count), Is.EqualTo(("ESTABLISHED", 0)), "charon: the IKE SA, no CHILD_SA");
            Assert.That(log, Does.Match(@"generating IKE_SA_INIT response 0 \[[^]]*N\(CHDLESS_SUP\)"), "charon offered childless");
            Assert.That(log, Does.Not.Match(@"parsed IKE_AUTH request 1 \[[^]]* SA TSi TSr"), "the agent left SA, TSi and TSr out");
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(ike.SpiI).IgnoreCase);
            Assert.That(Str(status, "ike_sa", "childless"), Is.EqualTo("true"));
            Assert.That(Str(status, "child_sa"), Is.EqualTo("(null)"));
            Assert.That(ev.Text("agent.log"), Does.Contain("no CHILD_SA with the controller (child_sa = no)"));
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [Test]
    public void AChildSaCharonRefusesLeavesTheIkeSaOnBothSides()
    {
        var ev = Run("agent-to-charon-child-refused", needAgent: true);
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var status = ev.StatusOrUndefined("agent");
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That((ike.State, ike.Children.Count), Is.EqualTo(("ESTABLISHED", 0)), "charon keeps the IKE SA");
            Assert.That(ev.CharonLog("hub").Text, Does.Match(@"generating IKE_AUTH response 1 \[ IDr AUTH [^]]*N\(NO_PROP\)"));
            Assert.That(Str(status, "controller", "state"), Is.EqualTo("connected"));
            Assert.That(Str(status, "ike_sa", "spi_r"), Is.EqualTo(ike.SpiR).IgnoreCase, "the agent keeps the same IKE SA");
            Assert.That(Str(status, "child_sa"), Is.EqualTo("(null)"));
            Assert.That(ev.Text("agent.log"), Does.Contain("CHILD_SA with the controller refused (NO_PROPOSAL_CHOSEN); the IKE SA stays up"));
            AssertStoppedCleanly(ev, "agent");
        });
    }

    [Test]
    public void TheAgentWithEncapYesMakesCharonSeeANatAndEncapsulate()
    {
        var ev = Run("agent-to-charon-encap", needAgent: true);
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var status = ev.StatusOrUndefined("agent");
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That(ev.CharonLog("hub").Text, Does.Contain("remote host is behind NAT"), "charon took the faked NAT-D data");
            Assert.That(ike.RemoteAddress, Is.EqualTo("10.91.0.2[4500]"), "the agent floated to 4500 with no NAT on the path");
            Assert.That(ike.Children.Select(c => (c.State, c.Mode)), Is.EqualTo(new[] { ("INSTALLED", "TUNNEL-in-UDP") }));
            Assert.That(ev.Text("agent.log"), Does.Match(@"CHILD_SA in=[0-9a-f]{8} out=[0-9a-f]{8} \S+ \w+ udp-encap with the controller negotiated"));
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(ike.SpiI).IgnoreCase);
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    private Evidence Run(string scenario, bool needAgent = false)
    {
        InteropEnvironment.Require(needAgent: needAgent, needController: !needAgent);
        var ev = RunOnce(scenario, DefaultSuite).Evidence;
        TestContext.Out.WriteLine($"{Charon} {scenario}: swanctl --list-sas\n{ev.ListSas(needAgent ? "hub" : "cpe").Raw}");
        return ev;
    }

    private static JsonElement Member(Evidence ev)
    {
        var members = ev.Status("controller").GetProperty("members");
        Assert.That(members.GetArrayLength(), Is.EqualTo(1), members.GetRawText());
        return members[0];
    }
}
