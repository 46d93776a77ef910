namespace Mpsa.Tests.Interop;

/// <summary>
/// Self check of the interop lab without our daemons: charon initiator to charon responder with the same
/// configurations run-interop.sh gives them. If this fails, the machine (packages, namespaces, kernel-libipsec)
/// is the problem, not mpsa. It also checks the charon-log key parsing: both charons' SK_* give one fingerprint.
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public class HarnessTests(Charon charon) : InteropTest(charon)
{
    [Test]
    public void CharonToCharonInTheLab()
    {
        InteropEnvironment.Require(needAgent: false, needController: false);
        var ev = RunOnce("charon-to-charon", DefaultSuite).Evidence;

        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-charon: {ev.Reason}");
        var hub = SingleIkeSa(ev.ListSas("hub"), "charon responder");
        var cpe = SingleIkeSa(ev.ListSas("cpe"), "charon initiator");
        Assert.Multiple(() =>
        {
            Assert.That(hub.State, Is.EqualTo("ESTABLISHED"));
            Assert.That(hub.Children.Select(c => c.State), Is.EqualTo(new[] { "INSTALLED" }));
            Assert.That(hub.Proposal, Is.EqualTo(CharonNames[DefaultSuite]));
            Assert.That(cpe.SpiI + cpe.SpiR, Is.EqualTo(hub.SpiI + hub.SpiR), "both charons list the same IKE SA");
            Assert.That(ev.CharonLog("cpe").IkeKeyFingerprint(cpe.UniqueId), Is.EqualTo(ev.CharonLog("hub").IkeKeyFingerprint(hub.UniqueId)),
                "key fingerprint from the initiator's log vs the responder's");
        });
    }
}
