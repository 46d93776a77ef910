using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// A day in simulated time between a real agent and a real controller with lifetimes of minutes: hundreds of IKE SA
/// and CHILD_SA rekeys started by both sides, group-SA rollovers in between, and nothing piles up.
/// </summary>
public class LongRunTests
{
    private const int AgentIkeRekeyed = 210, ControllerIkeRekeyed = 213, AgentChildSaUp = 204, GroupSaAccepted = 500;

    [Test]
    public void RunsADayOfRekeysAndRolloversWithoutLeaks()
    {
        using var lab = new EngineLab(
            agentExtra: "ike_lifetime = 5m\nchild_lifetime = 3m\nliveness_interval = 60s",
            controllerExtra: "ike_lifetime = 7m\nchild_lifetime = 4m",
            installChildSa: true);
        lab.RunTo(600);
        int statesAfterTenMinutes = lab.Kernel.Inner.States.Count;
        var first = lab.Agent.Status(lab.Now);
        Assert.That(first.IkeSa, Is.Not.Null);

        lab.RunTo(24 * 3600);

        var status = lab.Agent.Status(lab.Now);
        int agentIke = lab.AgentLog.Lines.Count(l => l.EventId == AgentIkeRekeyed);
        int controllerIke = lab.ControllerLines(ControllerIkeRekeyed);
        int childSas = lab.AgentLog.Lines.Count(l => l.EventId == AgentChildSaUp);
        int groupSas = lab.AgentLog.Lines.Count(l => l.EventId == GroupSaAccepted);
        TestContext.Out.WriteLine($"24 h: {agentIke} IKE SA rekeys (agent view), {childSas} CHILD_SAs, {groupSas} group SAs accepted");
        Assert.Multiple(() =>
        {
            Assert.That(agentIke, Is.GreaterThan(200), "IKE SA rekeys every 4.5-5 min from the agent, 6.3-7 min from the controller");
            Assert.That(controllerIke, Is.EqualTo(agentIke), "both sides saw every IKE SA rekey");
            Assert.That(childSas, Is.GreaterThan(300), "CHILD_SA rekeys every 2.7-3 min");
            Assert.That(groupSas, Is.GreaterThan(24 * 3600 / 80 - 5), "a group rollover every 80 s");
            Assert.That(lab.Agent.State, Is.EqualTo(Mpsa.Agent.Supervisor.ConnectionState.Connected));
            Assert.That(status.IkeSa!.SpiI, Is.Not.EqualTo(first.IkeSa!.SpiI), "the IKE SA is not the first one");
            Assert.That(status.ChildSa!.InboundSpi, Is.Not.EqualTo(first.ChildSa!.InboundSpi));
            Assert.That(status.IkeSa.EstablishedSecondsAgo, Is.LessThan(7 * 60));
            Assert.That(status.ChildSa.EstablishedSecondsAgo, Is.LessThan(4 * 60));
            Assert.That(lab.Controller.ConnectedCount, Is.EqualTo(1));
            var member = lab.Member;
            Assert.That(member.IkeSaAgeSeconds, Is.LessThan(7 * 60), "status shows the IKE SA's age");
            Assert.That(member.IkeRekeyInSeconds, Is.InRange(0, 7 * 60), "and when the controller rekeys it");
            Assert.That(member.ChildRekeyInSeconds, Is.InRange(0, 4 * 60));
            Assert.That(status.IkeSa.RekeyInSeconds, Is.InRange(0, 5 * 60));
            Assert.That(status.ChildSa.RekeyInSeconds, Is.InRange(0, 3 * 60));
            Assert.That(lab.Controller.IkeSaCount, Is.EqualTo(1), "old IKE SAs deleted on the controller");
            Assert.That(lab.Kernel.Inner.States.Count, Is.LessThanOrEqualTo(statesAfterTenMinutes + 2),
                "CHILD_SA and group states replaced, not piled up");
            Assert.That(lab.Kernel.Inner.States.Count(s => s.ReqId != Mpsa.Agent.GroupSa.KernelDataPlaneOptions.DefaultReqId), Is.EqualTo(2),
                "exactly one CHILD_SA (in and out) in the kernel");
            Assert.That(lab.ControllerLog.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning), Is.Empty);
            Assert.That(lab.AgentLog.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning), Is.Empty);
        });
    }
}
