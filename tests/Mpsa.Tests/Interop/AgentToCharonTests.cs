namespace Mpsa.Tests.Interop;

/// <summary>
/// mpsa-agent initiates (PSK) to a charon responder, once per suite of the core; two tests read each run:
/// (1) IKE SA ESTABLISHED and CHILD_SA INSTALLED in charon's swanctl --list-sas, and the agent's status agrees
/// (SPIs, suites), the agent stops cleanly; (3) the agent's key_fingerprint equals the SHA-256 of the SK_* charon
/// logged for the same IKE SA.
/// charon runs with kernel-libipsec (tunnel mode only, UDP encapsulation only): it answers the agent's transport-mode
/// proposal with a tunnel-mode CHILD_SA. The agent runs with --dry-run (this kernel has no ESP).
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public class AgentToCharonTests(Charon charon) : InteropTest(charon)
{
    private const string Scenario = "agent-to-charon";

    [TestCaseSource(nameof(Suites))]
    public void IkeAndChildSaComeUp(string suite)
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        string esp = CoreSuites[suite];
        var ev = RunOnce(Scenario, suite).Evidence;
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var child = ike.Children.Count == 1 ? ike.Children[0] : null;
        var status = ev.StatusOrUndefined("agent");

        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh {Scenario} {suite}: {ev.Reason}");
            // charon's view
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"), "charon IKE SA state");
            Assert.That(ike.Proposal, Is.EqualTo(CharonNames[suite]), "charon's negotiated IKE proposal");
            Assert.That(ike.RemoteId, Is.EqualTo(CpeIdentity), "charon's remote identity");
            Assert.That(ike.Children, Has.Count.EqualTo(1), "charon: number of CHILD_SAs");
            if (child is not null)
            {
                Assert.That(child.State, Is.EqualTo("INSTALLED"), "charon CHILD_SA state");
                Assert.That(child.Proposal, Is.EqualTo(CharonNames[esp]), "charon's negotiated ESP proposal");
            }

            // the agent's view of the same SAs
            Assert.That(Str(status, "controller", "state"), Is.EqualTo("connected"), "agent controller.state");
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(ike.SpiI).IgnoreCase, "agent ike_sa.spi_i vs charon");
            Assert.That(Str(status, "ike_sa", "spi_r"), Is.EqualTo(ike.SpiR).IgnoreCase, "agent ike_sa.spi_r vs charon");
            Assert.That(Str(status, "ike_sa", "suite"), Is.EqualTo(suite), "agent ike_sa.suite");
            Assert.That(Str(status, "ike_sa", "peer_supports_mpsa"), Is.EqualTo("false"), "agent ike_sa.peer_supports_mpsa (charon sends no MPSA Vendor ID)");
            if (child is not null)
            {
                Assert.That(Str(status, "child_sa", "inbound_spi"), Is.EqualTo(child.OutSpi).IgnoreCase, "agent child_sa.inbound_spi = charon's outbound SPI");
                Assert.That(Str(status, "child_sa", "outbound_spi"), Is.EqualTo(child.InSpi).IgnoreCase, "agent child_sa.outbound_spi = charon's inbound SPI");
                Assert.That(Str(status, "child_sa", "suite"), Is.EqualTo(esp), "agent child_sa.suite");
                Assert.That(Str(status, "child_sa", "mode"), Is.EqualTo("tunnel"), "agent child_sa.mode (charon with kernel-libipsec answers tunnel mode)");
            }

            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [TestCaseSource(nameof(Suites))]
    public void DerivesTheSameIkeKeysAsCharon(string suite)
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce(Scenario, suite).Evidence;
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var status = ev.StatusOrUndefined("agent");

        Assert.That(Str(status, "ike_sa", "spi_i") + Str(status, "ike_sa", "spi_r"), Is.EqualTo(ike.SpiI + ike.SpiR).IgnoreCase,
            "the agent's IKE SA is the one charon lists");
        Assert.That(Str(status, "ike_sa", "key_fingerprint"), Is.EqualTo(ev.CharonLog("hub").IkeKeyFingerprint(ike.UniqueId)),
            "agent ike_sa.key_fingerprint vs SHA-256(SK_d|SK_ai|SK_ar|SK_ei|SK_er|SK_pi|SK_pr) from charon's log");
    }
}
