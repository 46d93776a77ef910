using Mpsa.Controller;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Controller;

public class ControllerEngineTests
{
    [Test]
    public void PushesTheSameGroupSaToEveryMemberOnConnect()
    {
        using var h = new ControllerHarness(3);
        var cpes = Enumerable.Range(1, 3).Select(h.Connect).ToList();
        Assert.That(cpes.All(c => c.Initiator.Phase == InitiatorPhase.Established));
        var spis = cpes.Select(c => c.Received.Single().Spi).Distinct().ToList();
        Assert.That(spis, Has.Count.EqualTo(1));
        var status = h.Engine.Status(h.Now);
        Assert.That(status.Groups.Single().CurrentSpi, Is.EqualTo(spis[0].ToString()));
        Assert.That(status.Members.Select(m => m.State), Is.All.EqualTo("connected"));
        Assert.That(status.Members.Select(m => m.LastAckedSpi), Is.All.EqualTo(spis[0].ToString()));
        // Same keys everywhere: the fingerprint of each member's KEYMAT equals the controller's.
        foreach (var put in cpes.Select(c => c.Received.Single()))
        {
            using var keys = ChildKeyMaterial.DeriveMpsa(Prf.Create(put.Prf), put.SkD.Span, put.Nonce, h.Group.Esp);
            Assert.That(KeymatFingerprint.Of(keys), Is.EqualTo(status.Groups.Single().Fingerprint));
        }
    }

    [Test]
    public void SendsTimeLeftAsLifetime()
    {
        using var h = new ControllerHarness(1);
        h.Advance(TimeSpan.FromSeconds(100));
        var cpe = h.Connect(1);
        Assert.That(cpe.Received.Single().LifetimeSeconds, Is.EqualTo(500));
    }

    [Test]
    public void RekeysAtLifetimeMinusMarginAndCollectsAcknowledgements()
    {
        using var h = new ControllerHarness(3);
        var cpes = Enumerable.Range(1, 3).Select(h.Connect).ToList();
        var first = cpes[0].Received.Single().Spi;
        h.Advance(TimeSpan.FromSeconds(480)); // 600 s lifetime − 120 s margin
        Assert.That(cpes.Select(c => c.Received.Count), Is.All.EqualTo(2));
        var next = cpes[0].Received[1];
        Assert.That(next.Spi, Is.Not.EqualTo(first));
        Assert.That(cpes.Select(c => c.Received[1].Spi), Is.All.EqualTo(next.Spi));
        Assert.That((next.LifetimeSeconds, next.Rollover1Seconds, next.Rollover2Seconds), Is.EqualTo((600u, 30u, 60u)));
        var status = h.Engine.Status(h.Now);
        Assert.That(status.Groups.Single().NextSpi, Is.EqualTo(next.Spi.ToString()));
        Assert.That(status.Members.Select(m => m.LastAckedSpi), Is.All.EqualTo(next.Spi.ToString()));

        h.Advance(TimeSpan.FromSeconds(60)); // ROLL2 later the next SA is current
        status = h.Engine.Status(h.Now);
        Assert.That(status.Groups.Single().CurrentSpi, Is.EqualTo(next.Spi.ToString()));
        Assert.That(status.Groups.Single().NextSpi, Is.Null);
    }

    [Test]
    public void PushesARekeyToEveryMemberAsAcknowledgementsComeBack()
    {
        const int members = RekeyFanOut.DefaultWindow + 100;
        using var h = new ControllerHarness(members);
        var cpes = Enumerable.Range(1, members).Select(h.Connect).ToList();

        // The rekey instant: the first window goes out, and each acknowledgement sends the next member its MPSA_PUT.
        h.Advance(TimeSpan.FromSeconds(480));
        Assert.That(cpes.Count(c => c.Received.Count == 2), Is.EqualTo(members));
        var next = cpes[0].Received[1].Spi;
        Assert.That(cpes.Select(c => c.Received[1].Spi), Is.All.EqualTo(next));
        Assert.That(h.Engine.Status(h.Now).Members.Select(m => m.LastAckedSpi), Is.All.EqualTo(next.ToString()));
    }

    [Test]
    public void KeepsAtMostAWindowOfMpsaPutsUnanswered()
    {
        const int members = RekeyFanOut.DefaultWindow + 100;
        using var h = new ControllerHarness(members);
        var cpes = Enumerable.Range(1, members).Select(h.Connect).ToList();
        cpes.ForEach(c => c.Offline = true);

        h.AdvanceTo(h.Now + TimeSpan.FromSeconds(480));
        Assert.That(cpes.Sum(c => c.Undelivered), Is.EqualTo(RekeyFanOut.DefaultWindow), "nobody answers: one window");

        // RFC 7296 §2.1: the first retransmission (2 s) frees the places; the rest get theirs, the window its copies.
        h.AdvanceTo(h.Now + RetransmitPolicy.Default.Initial);
        Assert.That(cpes.Count(c => c.Undelivered > 0), Is.EqualTo(members));
        Assert.That(cpes.Sum(c => c.Undelivered), Is.EqualTo(members + RekeyFanOut.DefaultWindow));

        cpes.ForEach(c => c.Offline = false);
        h.Advance(TimeSpan.FromSeconds(4));
        var next = h.Engine.Status(h.Now).Groups.Single().NextSpi;
        Assert.That(h.Engine.Status(h.Now).Members.Select(m => m.LastAckedSpi), Is.All.EqualTo(next));
    }

    [Test]
    public void GivesLateJoinerCurrentAndNextWithWhatIsLeftOfTheRollover()
    {
        using var h = new ControllerHarness(2);
        h.Connect(1);
        h.Advance(TimeSpan.FromSeconds(480 + 10));
        var late = h.Connect(2);
        Assert.That(late.Received, Has.Count.EqualTo(2));
        Assert.That(late.Received[0].LifetimeSeconds, Is.EqualTo(110));
        Assert.That((late.Received[1].Rollover1Seconds, late.Received[1].Rollover2Seconds), Is.EqualTo((20u, 50u)));
    }

    [Test]
    public void DeletesRemovedMemberAndRekeysTheRest()
    {
        using var h = new ControllerHarness(3);
        var cpes = Enumerable.Range(1, 3).Select(h.Connect).ToList();
        var before = cpes[0].Received.Single().Spi;
        h.FromController(h.Engine.Reload(h.Settings(h.Members.Take(2).ToList()), h.Now));
        h.Run();
        Assert.That(cpes[2].Initiator.Phase, Is.EqualTo(InitiatorPhase.Gone));
        Assert.That(cpes[2].Events.OfType<PeerGone>().Single().Reason, Is.EqualTo(PeerGoneReason.DeletedByPeer));
        Assert.That(cpes[2].Received, Has.Count.EqualTo(1), "the removed member never sees the new SA");
        Assert.That(cpes[0].Received, Has.Count.EqualTo(2));
        Assert.That(cpes[0].Received[1].Spi, Is.Not.EqualTo(before));
        Assert.That(cpes[1].Received[1].Spi, Is.EqualTo(cpes[0].Received[1].Spi));
        Assert.That(h.Engine.Status(h.Now).Members, Has.Count.EqualTo(2));
    }

    [Test]
    public void AcceptsMemberAddedByReload()
    {
        using var h = new ControllerHarness(2);
        h.Engine.Reload(h.Settings(h.Members.Take(1).ToList()), h.Now);
        Assert.That(h.Connect(2).Initiator.Phase, Is.EqualTo(InitiatorPhase.Gone), "not configured yet");
        h.Engine.Reload(h.Settings(h.Members), h.Now);
        Assert.That(h.Connect(2).Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
    }

    [Test]
    public void ForgetsMemberThatStopsAnswering()
    {
        using var h = new ControllerHarness(2);
        var cpes = Enumerable.Range(1, 2).Select(h.Connect).ToList();
        cpes[1].Offline = true;
        h.Advance(TimeSpan.FromSeconds(480 + 200));
        var status = h.Engine.Status(h.Now);
        Assert.That(status.Members.Single(m => m.Name == "cpe2").State, Is.EqualTo("disconnected"));
        Assert.That(status.Members.Single(m => m.Name == "cpe1").State, Is.EqualTo("connected"));
    }

    [Test]
    public void NeverReusesSpiInGroup()
    {
        using var h = new ControllerHarness(1);
        var cpe = h.Connect(1);
        for (int i = 0; i < 20; i++)
        {
            h.Advance(TimeSpan.FromSeconds(480));
        }
        var spis = cpe.Received.Select(p => p.Spi).ToList();
        Assert.That(spis, Has.Count.GreaterThan(15));
        Assert.That(spis, Is.Unique);
    }
}
