namespace Mpsa.Tests.Interop;

/// <summary>
/// Reauthentication with charon (RFC 7296 §2.8.3, make-before-break): (1) the agent's reauth_time of 30 s, charon
/// the responder: a second IKE SA made by IKE_SA_INIT/IKE_AUTH without INITIAL_CONTACT, then the agent deletes the
/// first; (2) a charon initiator with reauth_time = 10 s and make_before_break = yes against the controller: the
/// controller keeps the member connected across it and the next group SA is acknowledged on the new IKE SA.
/// </summary>
public partial class RekeyInteropTests
{
    [Test]
    public void TheAgentReauthenticatesWithCharonMakeBeforeBreak()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-reauths-charon", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-reauths-charon: {ev.Reason}");
        var before = SingleIkeSa(ev.ListSas("hub-before"), "charon before the reauthentication");
        var after = SingleIkeSa(ev.ListSas("hub"), "charon after it (the old IKE SA deleted)");
        var status = ev.Status("agent");
        string log = ev.Text("agent-at-outcome.log") ?? "";
        TestContext.Out.WriteLine($"charon hub: IKE SA #{before.UniqueId} {before.SpiI}_i {before.SpiR}_r -> #{after.UniqueId} {after.SpiI}_i {after.SpiR}_r");
        Assert.Multiple(() =>
        {
            Assert.That(after.UniqueId, Is.GreaterThan(before.UniqueId), "charon: a new IKE SA");
            Assert.That(new[] { after.SpiI, after.SpiR }, Has.None.AnyOf(before.SpiI, before.SpiR), "charon: new SPIs");
            Assert.That(after.Children.Select(c => c.State), Is.EqualTo(new[] { "INSTALLED" }), "charon: a CHILD_SA made with the new IKE SA");
            var auth = Proof(ev, "hub", after.UniqueId, @"parsed IKE_AUTH request 1 \[ IDi ", "the agent's IKE_AUTH of the new IKE SA");
            Assert.That(auth[0], Does.Not.Contain("N(INIT_CONTACT)"), "no INITIAL_CONTACT when reauthenticating (the old IKE SA must stay until deleted)");
            Proof(ev, "hub", after.UniqueId, @"generating IKE_AUTH response 1 \[ IDr AUTH SA TSi TSr \]", "charon's answer");
            Proof(ev, "hub", before.UniqueId, $@"received DELETE for IKE_SA mpsa\[{before.UniqueId}\]$", "the agent deletes the old IKE SA after");
            Assert.That(Lines(log, $@"mpsa-agent\[212\] reauthenticated with the controller: IKE SA {before.SpiR} replaced by {after.SpiR}"), Is.Not.Empty,
                "agent log: event 212 naming charon's SPIs of the old and the new IKE SA");
            Assert.That(Lines(log, @"mpsa-agent\[214\] the IKE SA a reauthentication replaced is gone"), Is.Not.Empty, "agent log: event 214");
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(after.SpiI), "agent ike_sa.spi_i = charon's _i");
            Assert.That(Str(status, "ike_sa", "spi_r"), Is.EqualTo(after.SpiR), "agent ike_sa.spi_r = charon's _r");
            Assert.That(Str(status, "child_sa", "inbound_spi"), Is.EqualTo(after.Children[0].OutSpi), "agent child_sa = the new CHILD_SA");
            AssertLivenessAnsweredAfterTheRekey(ev, after);
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [Test]
    public void CharonReauthenticatesWithTheControllerAndGetsTheNextGroupSa()
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-reauth", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller-reauth: {ev.Reason}");
        var before = SingleIkeSa(ev.ListSas("cpe-before"), "charon before the reauthentication");
        var after = SingleIkeSa(ev.ListSas("cpe"), "charon after it");
        string log = ev.Text("controller-at-outcome.log") ?? "";
        Assert.Multiple(() =>
        {
            Assert.That(after.UniqueId, Is.GreaterThan(before.UniqueId), "charon: a new IKE SA");
            Assert.That(new[] { after.SpiI, after.SpiR }, Has.None.AnyOf(before.SpiI, before.SpiR), "charon: new SPIs");
            Assert.That(after.Children.Select(c => c.State), Is.EqualTo(new[] { "INSTALLED" }), "charon: the CHILD_SA made with the new IKE SA");
            Proof(ev, "cpe", before.UniqueId, $@"reauthenticating IKE_SA mpsa\[{before.UniqueId}\]$", "charon's reauthentication");
            var auth = Proof(ev, "cpe", after.UniqueId, @"generating IKE_AUTH request 1 \[ IDi ", "charon's IKE_AUTH of the new IKE SA");
            Assert.That(auth[0], Does.Not.Contain("N(INIT_CONTACT)"), "make-before-break: no INITIAL_CONTACT");
            Proof(ev, "cpe", after.UniqueId, @"parsed IKE_AUTH response 1 \[ IDr AUTH SA TSi TSr \]", "the controller's answer");
            Proof(ev, "cpe", before.UniqueId, $@"sending DELETE for IKE_SA mpsa\[{before.UniqueId}\]$", "charon deletes the old IKE SA");
            Assert.That(log, Does.Contain($"mpsa-controller[216] member cpe1 reauthenticated: IKE SA {after.SpiR} replaces {before.SpiR}"),
                "controller log: event 216, not a reconnect (209)");
            Assert.That(log, Does.Not.Contain("mpsa-controller[209]"), "controller log: the old IKE SA was not forgotten as after a restart");
            Assert.That(log, Does.Contain($"mpsa-controller[217] member cpe1: the IKE SA {before.SpiR} a reauthentication replaced is gone"),
                "controller log: event 217, charon deleted the old IKE SA");
            AssertNextGroupSaAcknowledged(ev, after, log, "mpsa-controller[217]");
            AssertStoppedCleanly(ev, "controller");
            AssertNoErrorsLogged(ev, "controller");
        });
    }
}
