using Mpsa.Agent.Supervisor;

namespace Mpsa.Tests.EndToEnd;

/// <summary>The uplink comes back with the same address after it was lost: the agent does not sit out its backoff.</summary>
public class UplinkBackTests
{
    [Test]
    public void AfterALongOutageTheAgentReconnectsAtOnceInsteadOfWaitingForItsBackoff()
    {
        using var lab = new EngineLab(agentExtra: "liveness_interval = 5s\nretry_min = 1m\nretry_max = 10m");
        lab.RunTo(5);
        Assert.That(lab.Agent.State, Is.EqualTo(ConnectionState.Connected));

        lab.DropToController = _ => true;   // the uplink is down: liveness fails, the IKE SA is given up
        lab.RunTo(400);
        Assert.That(lab.Agent.State, Is.EqualTo(ConnectionState.Waiting), "the IKE SA was lost during the outage");
        var retryIn = lab.Agent.Status(lab.Now).Controller.RetryInSeconds;
        Assert.That(retryIn, Is.GreaterThan(10), "its backoff would keep it waiting");

        lab.DropToController = _ => false;
        var sent = lab.Agent.UplinkBack(lab.Now);
        Assert.That(sent, Has.Count.EqualTo(1), "IKE_SA_INIT at once");
        lab.Inject(sent);
        lab.RunTo(401);
        Assert.That(lab.Agent.State, Is.EqualTo(ConnectionState.Connected));
        Assert.That(lab.Member.HoldsCurrent, Is.True);
    }

    [Test]
    public void AfterAShortFlapTheAgentChecksLivenessAtOnce()
    {
        using var lab = new EngineLab();
        lab.RunTo(5);
        int before = lab.AgentLog.Lines.Count(l => l.EventId == 207);

        var sent = lab.Agent.UplinkBack(lab.Now);
        Assert.That(sent, Has.Count.EqualTo(1), "an empty INFORMATIONAL");
        lab.Inject(sent);
        lab.RunTo(6);
        Assert.That(lab.AgentLog.Lines.Count(l => l.EventId == 207), Is.EqualTo(before + 1), "the controller answered it");
        Assert.That(lab.Agent.State, Is.EqualTo(ConnectionState.Connected));
    }

    [Test]
    public void AfterAnOutageLongerThanTheGroupSasLifeAnIkeSaThatSurvivedIsReplacedForTheCurrentSa()
    {
        using var lab = new EngineLab(agentExtra: "liveness_interval = 5m", groupTimes: "lifetime = 40s\nrekey_margin = 15s\nroll1 = 3s\nroll2 = 6s");
        lab.RunTo(5);
        var spis = lab.Agent.Status(lab.Now).IkeSa!.SpiI;
        Assert.That(lab.Member.HoldsCurrent, Is.True);

        lab.DropToController = _ => true;   // down past LIFE, not long enough for liveness to give up the IKE SA
        lab.DropToAgent = _ => true;
        lab.RunTo(60);
        Assert.That(lab.Agent.Status(lab.Now).GroupSas, Is.Empty, "the group SAs left at their LIFE");
        Assert.That(lab.Agent.State, Is.EqualTo(ConnectionState.Connected), "the IKE SA survived");

        lab.DropToController = _ => false;
        lab.DropToAgent = _ => false;
        lab.Inject(lab.Agent.UplinkBack(lab.Now));
        lab.RunTo(61);
        Assert.That(lab.Member.HoldsCurrent, Is.True, "the current group SA within a second of the uplink's return");
        Assert.That(lab.Agent.Status(lab.Now).IkeSa!.SpiI, Is.Not.EqualTo(spis), "a new IKE SA");
    }
}
