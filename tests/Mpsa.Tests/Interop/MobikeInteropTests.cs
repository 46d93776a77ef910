namespace Mpsa.Tests.Interop;

/// <summary>
/// MOBIKE (RFC 4555) against charon, through tests/interop/run-interop-mobike.sh: the CPE's namespace loses 10.91.0.2
/// and gets 10.91.0.3 (a PPPoE reconnect) while the IKE SA is up.
/// (1) mpsa-agent → charon responder (mobike = yes): charon lists the same IKE SA (same SPIs) at the new address, the
/// agent's status shows the new local address, and a liveness check after the move is answered;
/// (2) charon initiator (mobike = yes) → mpsa-controller: the controller takes the UPDATE_SA_ADDRESSES, shows the member
/// at the new address, and the next group SA, pushed there after the move, is acknowledged.
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public class MobikeInteropTests(Charon charon) : InteropTest(charon)
{
    private const string Suite = DefaultSuite;
    private const string NewAddress = "10.91.0.3";

    [Test]
    public void TheAgentMovesItsIkeSaToCharonWithMobike()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-mobike", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon-mobike: {ev.Reason}");
        var before = SingleIkeSa(SwanctlSas.Parse(ev.Text("list-sas-hub-before.txt") ?? ""), "charon before the move");
        var after = SingleIkeSa(ev.ListSas("hub"), "charon after the move");
        var status = ev.Status("agent");
        string log = ev.Text("agent-at-outcome.log") ?? "";
        TestContext.Out.WriteLine($"charon listed the new address {ev.Result.GetValueOrDefault("moved_after_ms")} ms after the address changed");

        Assert.Multiple(() =>
        {
            Assert.That(before.RemoteAddress, Does.StartWith("10.91.0.2["), "charon's remote address before");
            Assert.That(after.RemoteAddress, Does.StartWith(NewAddress + "["), "charon's remote address after: the agent moved");
            Assert.That((after.SpiI, after.SpiR), Is.EqualTo((before.SpiI, before.SpiR)), "the same IKE SA (SPIs)");
            Assert.That(after.State, Is.EqualTo("ESTABLISHED"));
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(after.SpiI).IgnoreCase, "the agent's IKE SA is charon's");
            Assert.That(Str(status, "uplink", "local_address"), Is.EqualTo(NewAddress), "agent uplink.local_address");
            Assert.That(Str(status, "uplink", "previous_local_address"), Is.EqualTo("10.91.0.2"), "agent uplink.previous_local_address");
            Assert.That(log, Does.Contain("mpsa-agent[109] IKE SA"), "the agent logged the move");
            Assert.That(log, Does.Not.Contain("mpsa-agent[110]"), "no fallback to a new IKE SA");
            Assert.That(ev.Result.GetValueOrDefault("check_liveness_rc"), Is.EqualTo("0"), "the liveness check after the move was sent");
            Assert.That(ev.CharonLog("hub").Text, Does.Contain("N(UPD_SA_ADDR)"), "charon parsed UPDATE_SA_ADDRESSES");
        });
    }

    [Test]
    public void TheControllerTakesCharonsMoveAndPushesToTheNewAddress()
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-mobike", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller-mobike: {ev.Reason}");
        var before = SingleIkeSa(SwanctlSas.Parse(ev.Text("list-sas-cpe-before.txt") ?? ""), "charon before the move");
        var after = SingleIkeSa(ev.ListSas("cpe"), "charon after the move");
        var status = ev.Status("controller");
        string log = ev.Text("controller-at-outcome.log") ?? "";
        TestContext.Out.WriteLine($"the controller logged the move {ev.Result.GetValueOrDefault("moved_after_ms")} ms after the address changed");

        Assert.Multiple(() =>
        {
            Assert.That(after.LocalAddress, Does.StartWith(NewAddress + "["), "charon's local address after the move");
            Assert.That((after.SpiI, after.SpiR), Is.EqualTo((before.SpiI, before.SpiR)), "the same IKE SA (SPIs)");
            Assert.That(status.GetProperty("members")[0].GetProperty("address").GetString(), Does.StartWith(NewAddress + ":"),
                "the controller's member address");
            Assert.That(log, Does.Match(@"mpsa-controller\[224\] member cpe1 moved its IKE SA [0-9a-f]{16} from 10\.91\.0\.2:\d+ to 10\.91\.0\.3:\d+ \(MOBIKE\)"));
            Assert.That(ev.CharonLog("cpe").Text, Does.Contain("parsed INFORMATIONAL response").And.Contain("N(COOKIE2)"),
                "charon got COOKIE2 back");
        });
    }
}
