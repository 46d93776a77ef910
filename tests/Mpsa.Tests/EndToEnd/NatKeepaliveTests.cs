using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.EndToEnd;

/// <summary>RFC 3948 §2.3: with a NAT on the path (here forced, encap = yes), the agent keeps the NAT's mapping with a
/// one-octet keepalive to the controller's port 4500 whenever it sent nothing there for 20 s; without a NAT, none.</summary>
public class NatKeepaliveTests
{
    [Test]
    public void BehindANatAKeepaliveGoesAfterTwentySecondsOfSilenceAndNoneWithoutOne()
    {
        using (var lab = new EngineLab(agentExtra: "encap = yes\nliveness_interval = 5m"))
        {
            lab.RunTo(5);
            Assert.That(lab.Member.State, Is.EqualTo("connected"), "IKE floated to 4500 and the SA stands");
            Assert.That(lab.Agent.Status(lab.Now).ChildSa?.UdpEncapsulation, Is.True);
            var connectedAt = lab.Now;
            lab.RunTo(130);
            var keepalives = lab.KeepalivesToController;
            Assert.That(keepalives.Select(k => k.To), Is.All.EqualTo(EngineLab.ControllerNatT));
            Assert.That(keepalives, Has.Count.InRange(5, 7), "one per 20 s of silence over about two minutes");
            var gaps = keepalives.Select(k => k.At).Prepend(connectedAt).Zip(keepalives.Select(k => k.At), (a, b) => (b - a).TotalSeconds);
            Assert.That(gaps.Skip(1), Is.All.InRange(19.9, 20.1), "20 s apart when nothing else goes to the controller");
            Assert.That(lab.Member.State, Is.EqualTo("connected"));
        }
        using (var lab = new EngineLab(agentExtra: "liveness_interval = 5m"))
        {
            lab.RunTo(130);
            Assert.That(lab.Member.State, Is.EqualTo("connected"));
            Assert.That(lab.KeepalivesToController, Is.Empty, "no NAT on the path: no keepalives");
        }
    }

    [Test]
    public void OtherTrafficToTheControllerPutsTheKeepaliveOff()
    {
        // liveness every 10 s: the controller never goes 20 s without hearing from the agent
        using var lab = new EngineLab(agentExtra: "encap = yes\nliveness_interval = 10s");
        lab.RunTo(120);
        Assert.That(lab.Member.State, Is.EqualTo("connected"));
        Assert.That(lab.KeepalivesToController, Is.Empty);
    }
}
