using System.Net;
using Mpsa.Agent;
using Mpsa.Agent.Supervisor;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.EndToEnd;
using Mpsa.Tests.Exchanges;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Agent;

/// <summary>
/// <c>address = a, b, c</c>: a failed attempt or a lost connection moves on to the next address (cyclic) at once, and the
/// backoff comes once per full round through the list.
/// </summary>
public class FailoverTests
{
    private static readonly IPEndPoint A = FailoverRig.At("192.0.2.1");
    private static readonly IPEndPoint B = FailoverRig.At("192.0.2.2");
    private static readonly IPEndPoint C = FailoverRig.At("192.0.2.3");

    [Test]
    public void FailoverMovesOnWithinARoundAndBacksOffAfterIt()
    {
        var failover = new Failover([A, B, C], new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), new SeededRandom(1)));
        Assert.That(failover.Current, Is.EqualTo(A));
        var waits = new List<TimeSpan>();
        var next = new List<IPEndPoint>();
        for (int i = 0; i < 6; i++)
        {
            waits.Add(failover.Failed());
            next.Add(failover.Current);
        }
        Assert.That(next, Is.EqualTo(new[] { B, C, A, B, C, A }));
        Assert.That(new[] { waits[0], waits[1], waits[3], waits[4] }, Is.All.EqualTo(TimeSpan.Zero), "the next address at once within a round");
        Assert.That(waits[2], Is.InRange(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1)), "the first step after the first round");
        Assert.That(waits[5], Is.InRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), "the second step after the second round");
        Assert.That(failover.Failures, Is.EqualTo(2));

        // connected to B after a failure at A: B's loss starts a fresh round (C, A at once, then the shortest backoff)
        failover.Failed();
        failover.Connected();
        Assert.That((failover.Current, failover.Failures), Is.EqualTo((B, 0)));
        Assert.That(new[] { failover.Failed(), failover.Failed() }, Is.All.EqualTo(TimeSpan.Zero));
        Assert.That(failover.Current, Is.EqualTo(A));
        Assert.That(failover.Failed(), Is.InRange(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1)));
        Assert.That(failover.Current, Is.EqualTo(B));
    }

    [Test]
    public void AnAttemptWithoutAnswerGoesOnToTheNextAddressAtOnce()
    {
        using var rig = new FailoverRig("192.0.2.1, 192.0.2.2, 192.0.2.3");
        rig.Start();
        rig.RunUntilAttempts(7);

        Assert.That(rig.Attempts.Select(a => a.To), Is.EqualTo(new[] { A, B, C, A, B, C, A }));
        Assert.That(rig.Losses.Take(6).Select(l => (l.Peer, l.Reason)),
            Is.EqualTo(rig.Attempts.Take(6).Select(a => (a.To, PeerGoneReason.NoResponse))), "each attempt ran through the retransmission schedule");
        var waits = Enumerable.Range(0, 6).Select(i => rig.Attempts[i + 1].At - rig.Losses[i].At).ToList();
        Assert.That(new[] { waits[0], waits[1], waits[3], waits[4] }, Is.All.EqualTo(TimeSpan.Zero), "the next replica at once");
        Assert.That(waits[2], Is.InRange(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1)), "retry_min after the first round");
        Assert.That(waits[5], Is.InRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), "doubled after the second round");
    }

    [Test]
    public void OneAddressBacksOffAfterEveryFailureAsBefore()
    {
        using var rig = new FailoverRig("192.0.2.1");
        rig.Start();
        rig.RunUntilAttempts(3);

        Assert.That(rig.Attempts.Select(a => a.To), Is.All.EqualTo(A));
        Assert.That(rig.Attempts[1].At - rig.Losses[0].At, Is.InRange(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1)));
        Assert.That(rig.Attempts[2].At - rig.Losses[1].At, Is.InRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void ALostConnectionGoesToTheNextAddressAtOnce()
    {
        using var rig = new FailoverRig("192.0.2.1, 192.0.2.2");
        rig.Up("192.0.2.1");
        rig.Up("192.0.2.2");
        rig.Start();
        rig.RunUntilConnected();
        Assert.That(rig.Established, Is.EqualTo(new[] { A }));

        rig.Down("192.0.2.1");   // liveness fails
        rig.RunUntil(() => rig.Established.Count == 2, 600, "connected again");

        Assert.That(rig.Established, Is.EqualTo(new[] { A, B }));
        var loss = rig.Losses.Single();
        Assert.That((loss.Peer, loss.Reason), Is.EqualTo((A, PeerGoneReason.NoResponse)));
        Assert.That(rig.Attempts[1], Is.EqualTo((loss.At, B)), "B tried at once, not after a backoff step");
        Assert.That((rig.Connection.Controller, rig.Connection.AddressIndex, rig.Connection.Failures), Is.EqualTo((B, 1, 0)));
    }

    [Test]
    public void APeerDeleteGoesToTheNextAddressAndAroundTheList()
    {
        using var rig = new FailoverRig("192.0.2.1, 192.0.2.2");
        rig.Up("192.0.2.1");
        rig.Up("192.0.2.2");
        rig.Start();
        rig.RunUntilConnected();

        rig.ShutDown("192.0.2.1");
        Assert.That(rig.Losses.Single().Reason, Is.EqualTo(PeerGoneReason.DeletedByPeer));
        rig.RunUntilConnected();
        Assert.That(rig.Established, Is.EqualTo(new[] { A, B }));

        rig.Up("192.0.2.1");   // back, and B goes: after the last address the first again
        rig.ShutDown("192.0.2.2");
        rig.RunUntilConnected();
        Assert.That(rig.Established, Is.EqualTo(new[] { A, B, A }));
        Assert.That(rig.Attempts.Select(a => a.To), Is.EqualTo(new[] { A, B, A }));
    }

    [Test]
    public void AReloadKeepsThePlaceInAnUnchangedListAndStartsANewOneAtItsFirst()
    {
        using var rig = new FailoverRig("192.0.2.1, 192.0.2.2");
        rig.Up("192.0.2.2");
        rig.Start();
        rig.RunUntilConnected();
        Assert.That(rig.Established, Is.EqualTo(new[] { B }));

        var same = new FailoverRig("192.0.2.1, 192.0.2.2").Settings;
        Assert.That(rig.Connection.Reconfigure(same, rig.Now).Send, Is.Empty, "same session: the IKE SA stays");
        Assert.That((rig.Connection.State, rig.Connection.Controller), Is.EqualTo((ConnectionState.Connected, B)));

        var changed = new FailoverRig("192.0.2.3, 192.0.2.2").Settings;
        var hello = rig.Connection.Reconfigure(changed, rig.Now).Send;
        Assert.That(hello.Select(o => o.To), Does.Contain(C), "a changed list: connects to its first address at once");
        Assert.That((rig.Connection.State, rig.Connection.Controller, rig.Connection.AddressIndex), Is.EqualTo((ConnectionState.Connecting, C, 0)));
    }

    [Test]
    public void TheEngineLogsTheFailoverAndStatusNamesTheAddressTried()
    {
        var settings = new FailoverRig("192.0.2.1, 192.0.2.2").Settings;
        var log = new RecordingLogger();
        using var kernel = new FaultyKernel();
        using var engine = new AgentEngine(settings, kernel, FailoverRig.AgentAt.Address, log, new SeededRandom(3));
        var now = new MonoTime(1_000);
        Assert.That(engine.Start(now).Select(o => o.To), Is.All.EqualTo(A));
        var status = engine.Status(now).Controller;
        Assert.That((status.Address, status.Addresses), Is.EqualTo(("192.0.2.1:500", new[] { "192.0.2.1:500", "192.0.2.2:500" })));

        var sent = new List<Outgoing>();
        while (log.Count(216) == 0 && now < new MonoTime(1_000_000))
        {
            now = engine.NextDeadline!.Value;
            sent.AddRange(engine.OnTimeout(now));
        }
        Assert.That(log.Lines.Single(l => l.EventId == 215).Text, Does.StartWith("controller 192.0.2.1:500 lost (NoResponse: ")
            .And.EndWith("); failing over to 192.0.2.2:500 now, group SAs stay until their lifetime ends"));
        Assert.That(log.Count(203), Is.Zero, "no backoff within the round");
        Assert.That(log.Lines.Single(l => l.EventId == 216).Text, Is.EqualTo("trying controller 192.0.2.2:500 (address 2 of 2)"));
        Assert.That(sent.Last().To, Is.EqualTo(B));
        Assert.That(engine.Status(now).Controller.Address, Is.EqualTo("192.0.2.2:500"));
        Assert.That(engine.Status(now).ToText(), Does.Contain("controller addresses 192.0.2.1:500, 192.0.2.2:500 (tried in this order)"));
    }
}
