using System.Net;
using Mpsa.Netlink.ChildSas;
using Mpsa.Netlink.Kernel;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.EndToEnd;

/// <summary>esp_only through both engines: the guard is there before the first IKE_AUTH, under the CHILD_SA while it
/// is up, gone at stop; the guard's ACQUIREs never make the controller a data-plane peer.</summary>
public class EspOnlyEndToEndTests
{
    private static IReadOnlyList<XfrmPolicySpec> Guards(FaultyKernel kernel) =>
        [.. kernel.Inner.Policies.Where(p => p.Priority == EspOnlyGuard.Priority)];

    [Test]
    public void BothKernelsHoldTheGuardFromStartToStopUnderTheChildSa()
    {
        using var lab = new EngineLab(agentSections: "esp_only = tcp/179\n[dataplane]\nmode = transport\nacquire = yes",
            controllerExtra: "esp_only = tcp/179", installChildSa: true, controllerKernel: true);

        Assert.That(Guards(lab.Kernel).Select(p => $"{p.Direction} {p.Selector}"), Is.EquivalentTo(new[]
        {
            "Out src 192.0.2.10/32 dst 192.0.2.1/32 proto tcp dport 179", "Out src 192.0.2.10/32 dst 192.0.2.1/32 proto tcp sport 179",
            "In src 192.0.2.1/32 dst 192.0.2.10/32 proto tcp sport 179", "In src 192.0.2.1/32 dst 192.0.2.10/32 proto tcp dport 179",
        }), "the agent's guard is in place before the first IKE_AUTH");
        Assert.That(Guards(lab.Kernel).Select(p => p.ReqId), Is.All.EqualTo(0x4d505341u + 2), "its own reqid, after the CHILD_SA's");
        Assert.That(Guards(lab.ControllerKernel!).Select(p => $"{p.Direction} {p.Selector}"), Has.Member("In src 0.0.0.0/0 dst 192.0.2.1/32 proto tcp dport 179"),
            "the controller guards its listen address against any member");

        lab.RunTo(30);
        Assert.That(lab.Member.State, Is.EqualTo("connected"));
        var child = lab.Kernel.Inner.Policies.Where(p => p.Priority == ChildSaPlan.Priority).ToList();
        Assert.That(child, Has.Count.EqualTo(2), "the CHILD_SA's policies (all traffic with the controller) win over the guard");
        Assert.That(Guards(lab.Kernel), Has.Count.EqualTo(4), "the guard stays underneath for when the CHILD_SA goes");

        // A plain BGP packet hit the guard while the CHILD_SA was being replaced: the kernel asks for a state.
        lab.Agent.OnKernelEvent(new AcquireRequested(Guards(lab.Kernel)[0].Id, IPAddress.Parse("192.0.2.10"), IPAddress.Parse("192.0.2.1"), 0x4d505341u + 2), lab.Now);
        Assert.That(lab.Agent.DataPlane.Peers, Is.Empty, "the controller never becomes a data-plane peer");
        lab.Agent.OnKernelEvent(new AcquireRequested(lab.Kernel.Inner.Policies.Single(p => p.Priority == 3000).Id, IPAddress.Parse("192.0.2.10"),
            IPAddress.Parse("192.0.2.20"), 0x4d505341u), lab.Now);
        Assert.That(lab.Agent.DataPlane.Peers, Is.EqualTo(new[] { IPAddress.Parse("192.0.2.20") }), "the data plane's own ACQUIREs still work");

        lab.Inject(lab.Agent.Shutdown(lab.Now));
        Assert.That(Guards(lab.Kernel), Is.Empty, "the guard leaves with the agent");
    }
}
