using System.Net;
using Mpsa.Agent.GroupSa;
using Mpsa.Netlink.Kernel;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Agent;

/// <summary>Group-SA steps as XFRM states: one inbound (source any), one outbound per peer, the agent's reqid on all.</summary>
public class KernelDataPlaneTests
{
    [Test]
    public void SkipsPeersOfAnotherAddressFamily()
    {
        var log = new List<string>();
        using var kernel = new InMemoryKernel();
        var plane = new KernelDataPlane(kernel, GroupSaRig.Local, [GroupSaRig.Peer2, IPAddress.Parse("2001:db8::2"), GroupSaRig.Peer2], log: log.Add);
        using var manager = new GroupSaManager(plane);

        using (var put = GroupSaPuts.Cbc(0xc0000001, seed: 1))
        {
            manager.Receive([put], true, new(0));
        }

        Assert.That(kernel.States.Select(s => s.Destination), Is.EquivalentTo(new[] { GroupSaRig.Local, GroupSaRig.Peer2 }), "duplicates once, IPv6 not at all");
        Assert.That(log, Has.One.Contains("2001:db8::2"));
    }

    [Test]
    public void UsesConfiguredReqIdAndMarkAndRemovesLeftoversOfAPreviousRun()
    {
        using var kernel = new InMemoryKernel();
        var options = new KernelDataPlaneOptions { ReqId = 0x4d505342, Mark = new XfrmMark(0x10, 0xf0) };
        kernel.AddState(KernelSpecs.State("192.0.2.1", 0xdead, reqId: 0x4d505342, mark: options.Mark));
        kernel.AddState(KernelSpecs.State("192.0.2.1", 0xbeef, reqId: 7));   // someone else's
        var plane = new KernelDataPlane(kernel, GroupSaRig.Local, [GroupSaRig.Peer2], options);

        Assert.That(plane.RemoveLeftovers(), Is.EqualTo(1));
        Assert.That(kernel.States.Single().Spi, Is.EqualTo(new EspSpi(0xbeef)));

        using var manager = new GroupSaManager(plane);
        using (var put = GroupSaPuts.Cbc(0xc0000001, seed: 1))
        {
            manager.Receive([put], true, new(0));
        }
        var ours = kernel.ListStates(plane.Ownership);
        Assert.That(ours, Has.Count.EqualTo(2));
        Assert.That(kernel.States.Where(s => s.ReqId == 0x4d505342), Has.All.Matches<XfrmStateSpec>(s => s.Mark == options.Mark));
    }

    [Test]
    public void OverwritesStaleStateWithTheSameSpi()
    {
        var log = new List<string>();
        using var kernel = new InMemoryKernel();
        kernel.AddState(KernelSpecs.State("192.0.2.1", 0xc0000001, keyByte: 0x01));
        var plane = new KernelDataPlane(kernel, GroupSaRig.Local, [], log: log.Add);
        using var manager = new GroupSaManager(plane);

        GroupSaOutcome outcome;
        using (var put = GroupSaPuts.Cbc(0xc0000001, seed: 1))
        {
            outcome = manager.Receive([put], true, new(0));
        }

        Assert.That(outcome.Accepted, Is.True);
        Assert.That(log, Has.One.Contains("already in the kernel, replacing it"));
        var held = kernel.States.Single();
        Assert.That(held.EncrKey.Span.ToArray(), Is.EqualTo(manager.Sas.Single().Keys.EncrKey.Span.ToArray()));
    }

    [Test]
    public void LogsButDoesNotThrowWhenAStateIsAlreadyGone()
    {
        var log = new List<string>();
        using var kernel = new InMemoryKernel();
        var plane = new KernelDataPlane(kernel, GroupSaRig.Local, [GroupSaRig.Peer2], log: log.Add);
        using var manager = new GroupSaManager(plane);
        using (var put = GroupSaPuts.Cbc(0xc0000001, seed: 1, life: 100))
        {
            manager.Receive([put], true, new(0));
        }

        // The kernel's own hard lifetime (or an operator) removed the outbound state.
        kernel.Expire(new XfrmStateId(GroupSaRig.Peer2, new EspSpi(0xc0000001)), hard: true);
        manager.OnTimeout(new(100_000));

        Assert.That(kernel.States, Is.Empty);
        Assert.That(log, Has.One.Contains("already gone"));
    }
}
