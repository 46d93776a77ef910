using System.Net;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// The agent's engine and the controller's, in memory, when the agent's WAN address changes: with MOBIKE the same IKE SA
/// moves and both kernels follow; without it the agent makes a new IKE SA from the new address.
/// </summary>
public class MobikeEngineTests
{
    private static readonly IPEndPoint NewAddress = new(IPAddress.Parse("192.0.2.20"), 500);

    private const string TunnelToOnePeer = """
        [dataplane]
        mode = tunnel
        subnets = 10.1.0.0/24
        [peer b]
        address = 198.51.100.2
        subnets = 10.2.0.0/24
        """;

    private static EngineLab Lab(string agentExtra = "", string controllerExtra = "") =>
        new(agentExtra: agentExtra, agentSections: TunnelToOnePeer, controllerExtra: controllerExtra, installChildSa: true, controllerKernel: true, traceKernel: true);

    [Test]
    public void TheSameIkeSaMovesAndEveryKernelStateAndPolicyFollows()
    {
        using var lab = Lab();
        lab.RunTo(5);
        var before = lab.Agent.Status(lab.Now);
        Assert.That(before.IkeSa, Is.Not.Null);
        Assert.That(lab.Kernel.Inner.States.Where(s => s.Destination.Equals(EngineLab.AgentAt.Address)), Is.Not.Empty, "the inbound states");
        int traceFrom = lab.KernelTrace.Count;

        lab.AgentIs = NewAddress;
        var sent = lab.Agent.Move(NewAddress.Address, NewAddress.Address, natDetection: null, lab.Now);
        Assert.That(sent, Is.Not.Null.And.Not.Empty, "UPDATE_SA_ADDRESSES goes out");
        lab.Inject(sent!);
        lab.RunTo(6);

        var after = lab.Agent.Status(lab.Now);
        var old = EngineLab.AgentAt.Address;
        Assert.Multiple(() =>
        {
            Assert.That((after.IkeSa!.SpiI, after.IkeSa.SpiR), Is.EqualTo((before.IkeSa!.SpiI, before.IkeSa.SpiR)), "the same IKE SA");
            Assert.That(lab.Member.Address, Is.EqualTo(NewAddress.ToString()), "the controller's view of the member");
            Assert.That(lab.ControllerLines(224), Is.EqualTo(1), "member moved (MOBIKE)");
            Assert.That(lab.AgentLog.Lines.Count(l => l.EventId == 109), Is.EqualTo(1), "IKE SA moved");
            Assert.That(after.Uplink!.UnderlayAddress, Is.EqualTo(NewAddress.Address.ToString()));
            Assert.That(lab.Kernel.Inner.States.Where(s => Names(s, old)).Select(s => s.ToString()), Is.Empty, "agent states naming the old address");
            Assert.That(lab.Kernel.Inner.Policies.Where(p => Names(p, old)).Select(p => p.ToString()), Is.Empty, "agent policies naming the old address");
            Assert.That(lab.ControllerKernel!.Inner.States.Where(s => Names(s, old)).Select(s => s.ToString()), Is.Empty, "controller states naming it");
            Assert.That(lab.ControllerKernel.Inner.Policies.Where(p => Names(p, old)).Select(p => p.ToString()), Is.Empty, "controller policies naming it");
            Assert.That(lab.Kernel.Inner.States.Count(s => s.Destination.Equals(NewAddress.Address)), Is.EqualTo(2),
                "inbound: the group SA's and the CHILD_SA's, at the new address");
            Assert.That(lab.ControllerKernel.Inner.States.Count(s => s.Destination.Equals(NewAddress.Address)), Is.EqualTo(1),
                "the controller's outbound CHILD_SA state, to the new address");
        });

        // make-before-break: no policy is taken out before every new one is in
        var moveOps = lab.KernelTrace.Skip(traceFrom).ToList();
        int lastInstall = moveOps.FindLastIndex(l => l.StartsWith("update policy", StringComparison.Ordinal) || l.StartsWith("add policy", StringComparison.Ordinal));
        int firstDelete = moveOps.FindIndex(l => l.StartsWith("delete policy", StringComparison.Ordinal));
        Assert.That(firstDelete, Is.EqualTo(-1).Or.GreaterThan(lastInstall), string.Join("\n", moveOps));

        // traffic goes on: the group SA's rekey and the liveness checks after the move reach the member at its new address
        lab.RunTo(120);
        Assert.That(lab.Member.HoldsCurrent, Is.True);
        Assert.That(lab.Agent.Status(lab.Now).IkeSa!.SpiI, Is.EqualTo(before.IkeSa!.SpiI));
    }

    [Test]
    public void WithoutMobikeAtTheControllerTheAgentCannotMoveAndReconnects()
    {
        using var lab = Lab(controllerExtra: "mobike = no");
        lab.RunTo(5);

        Assert.That(lab.Agent.Move(NewAddress.Address, NewAddress.Address, natDetection: null, lab.Now), Is.Null,
            "no MOBIKE: the daemon makes a new engine, which connects from the new address");
    }

    [Test]
    public void WithMobikeOffInTheAgentItDoesNotAnnounceIt()
    {
        using var lab = Lab(agentExtra: "mobike = no");
        lab.RunTo(5);

        Assert.That(lab.Agent.Move(NewAddress.Address, NewAddress.Address, natDetection: null, lab.Now), Is.Null);
    }

    private static bool Names(XfrmStateSpec s, IPAddress a) => a.Equals(s.Source) || a.Equals(s.Destination);

    private static bool Names(XfrmPolicySpec p, IPAddress a) =>
        a.Equals(p.Selector.Source.Address) && p.Selector.Source.Length > 0
        || a.Equals(p.Selector.Destination.Address) && p.Selector.Destination.Length > 0
        || a.Equals(p.Template?.TunnelSource) || a.Equals(p.Template?.TunnelDestination);
}
