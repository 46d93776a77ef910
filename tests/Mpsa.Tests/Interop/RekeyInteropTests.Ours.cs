namespace Mpsa.Tests.Interop;

/// <summary>
/// The agent starts the rekeys (its ike_lifetime or child_lifetime of 10 s, rekey_jitter 0 %) and charon, a responder
/// with no rekey time of its own, answers them: charon's log shows it parsed our CREATE_CHILD_SA request and answered,
/// its SA list the new SPIs and only them, and the agent's status the SPIs charon lists.
/// </summary>
public partial class RekeyInteropTests
{
    [Test]
    public void TheAgentRekeysItsIkeSaWithCharon()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-rekeys-charon-ike", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-rekeys-charon-ike: {ev.Reason}");
        var before = SingleIkeSa(ev.ListSas("hub-before"), "charon before the rekey");
        var after = SingleIkeSa(ev.ListSas("hub"), "charon after the rekey (the old IKE SA deleted)");
        var status = ev.Status("agent");
        TestContext.Out.WriteLine($"charon hub: IKE SA #{before.UniqueId} {before.SpiI}_i {before.SpiR}_r -> #{after.UniqueId} {after.SpiI}_i {after.SpiR}_r");
        Assert.Multiple(() =>
        {
            Assert.That(after.UniqueId, Is.GreaterThan(before.UniqueId), "charon: a new IKE SA");
            Assert.That(new[] { after.SpiI, after.SpiR }, Has.None.AnyOf(before.SpiI, before.SpiR), "charon: new SPIs");
            Assert.That(after.Children.Select(c => c.State), Is.EqualTo(new[] { "INSTALLED" }), "charon: the CHILD_SA moved to the new IKE SA");
            Proof(ev, "hub", before.UniqueId, @"parsed CREATE_CHILD_SA request \d+ \[ SA No KE \]", "the agent's IKE SA rekey request");
            Proof(ev, "hub", before.UniqueId, @"generating CREATE_CHILD_SA response \d+ \[ SA No KE \]", "charon's answer");
            Proof(ev, "hub", before.UniqueId, $@"IKE_SA mpsa\[{after.UniqueId}\] rekeyed between ", "the rekey done");
            Proof(ev, "hub", before.UniqueId, $@"received DELETE for IKE_SA mpsa\[{before.UniqueId}\]$", "the agent deletes the old IKE SA");
            // the agent started it: it is the new SA's original initiator, and names the SPIs as charon does
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(after.SpiI), "agent ike_sa.spi_i = charon's _i");
            Assert.That(Str(status, "ike_sa", "spi_r"), Is.EqualTo(after.SpiR), "agent ike_sa.spi_r = charon's _r");
            // the keys agree: charon opens the agent's liveness check on the new SA and answers it
            AssertLivenessAnsweredAfterTheRekey(ev, after);
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [Test]
    public void TheAgentRekeysItsChildSaWithCharon()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-rekeys-charon-child", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-rekeys-charon-child: {ev.Reason}");
        var before = SingleIkeSa(ev.ListSas("hub-before"), "charon before the rekey");
        var after = SingleIkeSa(ev.ListSas("hub"), "charon after the rekey");
        var (old, child) = (before.Children.Single(), after.Children.Single());
        var status = ev.Status("agent");
        TestContext.Out.WriteLine($"charon hub: CHILD_SA {{{old.UniqueId}}} in {old.InSpi} out {old.OutSpi} -> {{{child.UniqueId}}} in {child.InSpi} out {child.OutSpi}");
        Assert.Multiple(() =>
        {
            Assert.That(after.SpiI + after.SpiR, Is.EqualTo(before.SpiI + before.SpiR), "charon: the same IKE SA");
            Assert.That(child.UniqueId, Is.GreaterThan(old.UniqueId), "charon: a new CHILD_SA, the old one gone");
            Assert.That(new[] { child.InSpi, child.OutSpi }, Has.None.AnyOf(old.InSpi, old.OutSpi), "charon: new SPIs");
            Proof(ev, "hub", after.UniqueId, @"parsed CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\) SA No TSi TSr \]", "the agent's CHILD_SA rekey request");
            Proof(ev, "hub", after.UniqueId, @"generating CREATE_CHILD_SA response \d+ \[ SA No TSi TSr \]", "charon's answer");
            Proof(ev, "hub", after.UniqueId, $@"received DELETE for ESP CHILD_SA with SPI {old.OutSpi}$", "the agent deletes the old CHILD_SA");
            Assert.That(Str(status, "child_sa", "inbound_spi"), Is.EqualTo(child.OutSpi), "agent child_sa.inbound_spi = charon's new outbound SPI");
            Assert.That(Str(status, "child_sa", "outbound_spi"), Is.EqualTo(child.InSpi), "agent child_sa.outbound_spi = charon's new inbound SPI");
            AssertLivenessAnsweredAfterTheRekey(ev, after);
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }
}
