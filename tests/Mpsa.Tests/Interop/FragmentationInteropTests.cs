namespace Mpsa.Tests.Interop;

/// <summary>
/// IKE fragmentation (RFC 7383) with a classical suite, every side forced to a fragment size of 576 octets
/// (IO_FRAGMENT_SIZE in tests/interop/interop-lib.sh: charon's fragment_size and ours): the RSA certificate IKE_AUTH
/// messages, about 1.4 kB, go in three Encrypted Fragments each way, both sides reassemble them and the IKE SA comes up.
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public class FragmentationInteropTests(Charon charon) : InteropTest(charon)
{
    private static readonly Dictionary<string, string> Small = new() { ["IO_FRAGMENT_SIZE"] = "576" };

    [Test]
    public void TheAgentAndCharonFragmentIkeAuthAt576Octets()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-cert", "rsa", Small).Evidence;
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        string log = ev.CharonLog("hub").Text;
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"));
            Assert.That(ev.Text("agent.conf"), Does.Contain("fragment_size = 576"));
            Assert.That(log, Does.Match(@"parsed IKE_AUTH request 1 \[ EF\(3/\d\) \]"), "the agent's IKE_AUTH in fragments");
            Assert.That(log, Does.Contain("reassembled fragmented IKE message"));
            Assert.That(log, Does.Match(@"generating IKE_AUTH response 1 \[ EF\(3/\d\) \]"), "charon's IKE_AUTH response in fragments");
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [Test]
    public void CharonAndTheControllerFragmentIkeAuthAt576Octets()
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-cert", "rsa", Small).Evidence;
        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        string log = ev.CharonLog("cpe").Text;
        var member = ev.Status("controller").GetProperty("members")[0];
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), ev.Reason);
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"));
            Assert.That(ev.Text("controller.conf"), Does.Contain("fragment_size = 576"));
            Assert.That(log, Does.Match(@"generating IKE_AUTH request 1 \[ EF\(3/\d\) \]"), "charon's IKE_AUTH in fragments");
            Assert.That(log, Does.Match(@"parsed IKE_AUTH response 1 \[ EF\(3/\d\) \]"), "the controller's IKE_AUTH response in fragments");
            Assert.That(log, Does.Contain("reassembled fragmented IKE message"));
            Assert.That(Str(member, "last_acked_spi"), Does.Match("^[0-9a-f]{8}$"), "charon answered the MPSA_PUT");
            AssertNoErrorsLogged(ev, "controller");
        });
    }
}
