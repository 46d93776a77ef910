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
}
