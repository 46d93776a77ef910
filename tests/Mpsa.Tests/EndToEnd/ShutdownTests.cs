using Mpsa.Netlink.ChildSas;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.EndToEnd;

/// <summary>A stopping controller takes no new member: an agent that reconnects after the goodbye Delete gets no
/// answer, so no IKE SA or CHILD_SA outlives the controller's process (netlab 11 saw one while BGP ran).</summary>
public class ShutdownTests
{
    [Test]
    public void AStoppingControllerAnswersNoNewIkeSaInitAndLeavesNoChildSaBehind()
    {
        using var lab = new EngineLab(agentExtra: "retry_min = 1s", installChildSa: true, controllerKernel: true);
        lab.RunTo(30);
        Assert.That(lab.Member.State, Is.EqualTo("connected"));

        lab.Inject(lab.Controller.Shutdown(lab.Now));   // the goodbye Delete; the agent reconnects at once
        lab.RunTo(60);

        Assert.That(lab.Controller.ConnectedCount, Is.Zero, "no member connected to a controller on its way out");
        Assert.That(lab.Controller.IkeSaCount, Is.Zero, "not even a half-open IKE SA");
        Assert.That(lab.ControllerKernel!.Inner.States, Is.Empty, "no CHILD_SA state left in the controller's kernel");
        Assert.That(lab.Agent.Status(lab.Now).IkeSa, Is.Null, "the agent keeps trying instead of holding an IKE SA with nobody");
    }
}
