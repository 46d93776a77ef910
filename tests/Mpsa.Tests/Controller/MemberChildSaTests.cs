using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Controller.Members;
using Mpsa.Ike.Exchanges;
using Mpsa.Netlink.Kernel;
using Mpsa.Tests.Agent;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Controller;

/// <summary>Each member's CHILD_SA in the controller's kernel, and a kernel that refuses (no ESP): one warning, IKE SAs kept.</summary>
public class MemberChildSaTests
{
    private static readonly IPAddress Local = ControllerHarness.ControllerAddress.Address;

    [Test]
    public void InstallsEachMembersChildSaWithTheNegotiatedSpisAndRemovesItWhenTheMemberGoes()
    {
        var kernel = new InMemoryKernel();
        var log = new RecordingLogger();
        using var h = new ControllerHarness(2, log: log, childSas: new MemberChildSas(kernel, _ => Local, log));
        var cpes = new[] { h.Connect(1), h.Connect(2) };

        foreach (var cpe in cpes)
        {
            var child = cpe.Initiator.ChildSa!;
            // The controller's inbound state is the CPE's outbound SPI, and the other way round.
            var inbound = kernel.FindState(new XfrmStateId(Local, new Mpsa.Ike.Wire.EspSpi(child.OutboundSpi)));
            var outbound = kernel.FindState(new XfrmStateId(cpe.Address.Address, new Mpsa.Ike.Wire.EspSpi(child.InboundSpi)));
            Assert.That(inbound, Is.Not.Null, "inbound state");
            Assert.That(outbound, Is.Not.Null, "outbound state");
            Assert.That(inbound!.Source, Is.EqualTo(cpe.Address.Address));
            Assert.That(outbound!.Source, Is.EqualTo(Local));
            Assert.That(inbound.ReqId, Is.EqualTo(outbound.ReqId));
            Assert.That(MemberChildSas.Ownership.Owns(inbound.ReqId, null));
            Assert.That(kernel.Policies.Count(p => p.ReqId == inbound.ReqId && p.Direction == XfrmDirection.Out
                && p.Selector.Destination.Contains(cpe.Address.Address)), Is.EqualTo(1));
        }
        Assert.That(kernel.States.Select(s => s.ReqId).Distinct().Count(), Is.EqualTo(2), "one reqid per member");
        Assert.That(log.Lines.Count(l => l.EventId == 302), Is.EqualTo(2));

        h.FromController(h.Engine.Shutdown(h.Now));
        h.Run();
        Assert.That(kernel.States, Is.Empty);
        Assert.That(kernel.Policies, Is.Empty);
    }

    [Test]
    public void AKernelWithoutEspIsLoggedOnceAndTheIkeSasStay()
    {
        using var kernel = new Support.FaultyKernel { Refuse = _ => true };
        var log = new RecordingLogger();
        using var h = new ControllerHarness(3, log: log, childSas: new MemberChildSas(kernel, _ => Local, log));

        var cpes = Enumerable.Range(1, 3).Select(h.Connect).ToList();

        Assert.That(cpes.All(c => c.Initiator.Phase == InitiatorPhase.Established), "IKE SAs kept");
        Assert.That(cpes.All(c => c.Received.Count == 1), "the group SA still reaches every member");
        Assert.That(h.Engine.ConnectedCount, Is.EqualTo(3));
        Assert.That(log.Lines.Where(l => l.Level == LogLevel.Warning && l.EventId == 303).ToList(), Has.Count.EqualTo(1));
        Assert.That(log.Lines.Count(l => l.EventId == 304), Is.EqualTo(2), "later refusals at debug");
        Assert.That(kernel.ListPolicies(MemberChildSas.Ownership), Is.Empty, "no policy without its states");
    }

    [Test]
    public void AKernelWithoutEspIsNotAskedAgainForAMinuteThenTakesTheNextMember()
    {
        using var kernel = new Support.FaultyKernel { Refuse = _ => true, RefusalErrno = Mpsa.Netlink.Core.Errno.EPROTONOSUPPORT };
        var log = new RecordingLogger();
        using var h = new ControllerHarness(4, log: log, childSas: new MemberChildSas(kernel, _ => Local, log));

        var first = h.Connect(1);
        int refusedByFirst = kernel.Refused;
        var later = new[] { h.Connect(2), h.Connect(3) };

        Assert.That(refusedByFirst, Is.GreaterThan(0));
        Assert.That(kernel.Refused, Is.EqualTo(refusedByFirst), "the kernel was not asked for the next members");
        Assert.That(later.Append(first).All(c => c.Initiator.Phase == InitiatorPhase.Established), "IKE SAs kept");
        Assert.That(log.Lines.Count(l => l.Level == LogLevel.Warning && l.EventId == 307), Is.EqualTo(1));
        var status = h.Engine.Status(h.Now).Members.ToDictionary(m => m.Name);
        Assert.That(status[h.Members[0].Name].ChildSa, Does.StartWith("up, not in the controller's kernel: ").And.Contain("errno 93"));
        Assert.That(status[h.Members[1].Name].ChildSa, Is.EqualTo("up, not in the controller's kernel: the kernel has no ESP (EPROTONOSUPPORT), not asked again yet"));

        kernel.Refuse = _ => false;   // esp4 loaded
        h.Advance(NoEspHoldOff.Interval);
        var fourth = h.Connect(4);

        var child = fourth.Initiator.ChildSa!;
        Assert.That(kernel.Inner.FindState(new XfrmStateId(Local, new Mpsa.Ike.Wire.EspSpi(child.OutboundSpi))), Is.Not.Null,
            "asked again after the hold-off");
        Assert.That(kernel.Inner.States, Has.Count.EqualTo(2), "only the fourth member's CHILD_SA");
        Assert.That(log.Lines.Count(l => l.EventId == 308), Is.EqualTo(1));
        Assert.That(h.Engine.Status(h.Now).Members.Single(m => m.Name == h.Members[3].Name).ChildSa, Is.EqualTo("up"));
    }

    [Test]
    public void AHoldOffIsPerAddressFamilyAndOnlyForAMissingEsp()
    {
        var holdOff = new NoEspHoldOff();
        var now = new MonoTime(5_000);
        var noEsp = KernelResult.Failed(Mpsa.Netlink.Core.Errno.EPROTONOSUPPORT, "add state", "refused");

        Assert.That(holdOff.Saw(KernelResult.Failed(12, "add state", "out of memory"), AddressFamily.InterNetwork, now),
            Is.EqualTo(NoEspHoldOff.Change.None));
        Assert.That(holdOff.Holds(AddressFamily.InterNetwork, now), Is.False);
        Assert.That(holdOff.Saw(noEsp, AddressFamily.InterNetwork, now), Is.EqualTo(NoEspHoldOff.Change.Started));
        Assert.That(holdOff.Holds(AddressFamily.InterNetwork, now + TimeSpan.FromSeconds(59)), Is.True);
        Assert.That(holdOff.Holds(AddressFamily.InterNetworkV6, now), Is.False, "esp6 may be there");
        Assert.That(holdOff.Holds(AddressFamily.InterNetwork, now + NoEspHoldOff.Interval), Is.False);
        Assert.That(holdOff.Saw(noEsp, AddressFamily.InterNetwork, now + NoEspHoldOff.Interval), Is.EqualTo(NoEspHoldOff.Change.Again));
        Assert.That(holdOff.Saw(KernelResult.Ok, AddressFamily.InterNetwork, now + 2 * NoEspHoldOff.Interval),
            Is.EqualTo(NoEspHoldOff.Change.Ended));
        Assert.That(holdOff.Saw(KernelResult.Ok, AddressFamily.InterNetwork, now + 2 * NoEspHoldOff.Interval),
            Is.EqualTo(NoEspHoldOff.Change.None));
    }

    [Test]
    public void RemovesWhatACrashedControllerLeftAndNothingElse()
    {
        var kernel = new InMemoryKernel();
        var foreign = Netlink.XfrmSpecs.State("192.0.2.9", 0xc0000999, reqId: 7);
        var leftover = Netlink.XfrmSpecs.State("198.51.100.1", 0xc0000123, reqId: MemberChildSas.Ownership.ReqIdMin + 4);
        Assert.That(kernel.AddState(foreign).IsOk && kernel.AddState(leftover).IsOk);
        var log = new RecordingLogger();

        using var h = new ControllerHarness(1, log: log, childSas: new MemberChildSas(kernel, _ => Local, log));

        Assert.That(kernel.States.Select(s => s.Id), Is.EqualTo(new[] { foreign.Id }));
        Assert.That(log.Lines.Any(l => l.EventId == 301));
    }
}
