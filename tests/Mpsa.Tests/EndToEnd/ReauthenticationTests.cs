using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Agent.GroupSa;
using Mpsa.Agent.Supervisor;
using Mpsa.Netlink.Kernel;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// Reauthentication (RFC 7296 §2.8.3, reauth_time) between a real agent and a real controller, both with a kernel:
/// make-before-break, so ESP between them never lacks a state at the other end, and nothing is left behind.
/// </summary>
public class ReauthenticationTests
{
    private const int AgentReauthenticated = 212, AgentReauthFailed = 213, ControllerReauthenticated = 216,
        ControllerReplacedGone = 217, ControllerOverdue = 218, ControllerReplacedKept = 219, GroupSaRefused = 501;

    [Test]
    public void AgentReauthenticatesMakeBeforeBreakAndLeavesOneOfEverything()
    {
        using var lab = new EngineLab(agentExtra: "reauth_time = 5m", installChildSa: true, controllerKernel: true);
        lab.RunTo(60);
        var first = lab.Agent.Status(lab.Now);
        Assert.That(first.IkeSa, Is.Not.Null);
        Assert.That(first.ChildSa, Is.Not.Null);
        var gaps = new List<string>();
        lab.AfterEachDatagram = () => CheckEspBothWays(lab, gaps);

        lab.RunTo(320);

        var after = lab.Agent.Status(lab.Now);
        Assert.Multiple(() =>
        {
            Assert.That(lab.AgentLog.Lines.Count(l => l.EventId == AgentReauthenticated), Is.EqualTo(1), "one reauthentication in 4.5-5 min");
            Assert.That(lab.ControllerLines(ControllerReauthenticated), Is.EqualTo(1), "the controller saw it as one, not as a reconnect");
            Assert.That(lab.ControllerLines(ControllerReplacedGone), Is.EqualTo(1), "the old IKE SA deleted by the agent");
            Assert.That(after.IkeSa!.SpiI, Is.Not.EqualTo(first.IkeSa!.SpiI), "a fresh IKE SA");
            Assert.That(after.ChildSa!.InboundSpi, Is.Not.EqualTo(first.ChildSa!.InboundSpi), "with a fresh CHILD_SA");
            Assert.That(after.IkeSa.EstablishedSecondsAgo, Is.LessThan(80));
            Assert.That(gaps, Is.Empty, "at every datagram, what one side sends on the other side can receive");
            Assert.That(lab.Controller.IkeSaCount, Is.EqualTo(1));
            Assert.That(lab.Controller.ConnectedCount, Is.EqualTo(1));
            Assert.That(lab.Member.State, Is.EqualTo("connected"));
            Assert.That(lab.Member.HoldsCurrent, Is.True, "the group SA pushed again on the new IKE SA, refreshed");
            Assert.That(ChildStates(lab.Kernel.Inner), Has.Count.EqualTo(2), "one CHILD_SA (in, out) in the agent's kernel");
            Assert.That(ChildStates(lab.ControllerKernel!.Inner), Has.Count.EqualTo(2), "and in the controller's");
            Assert.That(lab.AgentLog.Lines.Where(l => l.Level >= LogLevel.Warning), Is.Empty);
            Assert.That(lab.ControllerLog.Lines.Where(l => l.Level >= LogLevel.Warning), Is.Empty);
        });
    }

    [Test]
    public void ADayOfReauthenticationsRekeysAndRolloversKeepsEspFlowingAndLeavesNothing()
    {
        using var lab = new EngineLab(
            agentExtra: "ike_lifetime = 5m\nchild_lifetime = 3m\nreauth_time = 17m\nliveness_interval = 60s",
            controllerExtra: "ike_lifetime = 7m\nchild_lifetime = 4m\nreauth_time = 30m",
            installChildSa: true, controllerKernel: true);
        lab.RunTo(60);
        var gaps = new List<string>();
        lab.AfterEachDatagram = () => CheckEspBothWays(lab, gaps);

        lab.RunTo(24 * 3600);

        int reauths = lab.AgentLog.Lines.Count(l => l.EventId == AgentReauthenticated);
        TestContext.Out.WriteLine($"24 h: {reauths} reauthentications");
        Assert.Multiple(() =>
        {
            Assert.That(reauths, Is.GreaterThan(24 * 60 / 17), "every 15.3-17 min");
            Assert.That(lab.ControllerLines(ControllerReauthenticated), Is.EqualTo(reauths));
            Assert.That(lab.ControllerLines(ControllerReplacedGone), Is.EqualTo(reauths));
            Assert.That(gaps, Is.Empty);
            Assert.That(lab.Controller.IkeSaCount, Is.EqualTo(1));
            Assert.That(lab.Member.HoldsCurrent, Is.True);
            Assert.That(ChildStates(lab.Kernel.Inner), Has.Count.EqualTo(2));
            Assert.That(ChildStates(lab.ControllerKernel!.Inner), Has.Count.EqualTo(2));
            Assert.That(lab.ControllerKernel.Inner.Policies, Has.Count.EqualTo(2), "one policy each way, never a leftover");
            Assert.That(lab.AgentLog.Lines.Where(l => l.Level >= LogLevel.Warning), Is.Empty);
            Assert.That(lab.ControllerLog.Lines.Where(l => l.Level >= LogLevel.Warning), Is.Empty);
        });
    }

    [Test]
    public void ControllerReauthTimeReachesTheAgentAsAuthLifetime()
    {
        using var lab = new EngineLab(controllerExtra: "reauth_time = 10m", installChildSa: true, controllerKernel: true);
        lab.RunTo(30);
        var first = lab.Agent.Status(lab.Now).IkeSa!;

        lab.RunTo(30 * 60);

        Assert.Multiple(() =>
        {
            int reauths = lab.AgentLog.Lines.Count(l => l.EventId == AgentReauthenticated);
            Assert.That(reauths, Is.InRange(3, 4), "the agent reauthenticates 10-20 % before each AUTH_LIFETIME of 10 min");
            Assert.That(lab.ControllerLines(ControllerReauthenticated), Is.EqualTo(reauths));
            Assert.That(lab.ControllerLines(ControllerOverdue), Is.Zero, "never late");
            Assert.That(lab.Agent.Status(lab.Now).IkeSa!.SpiI, Is.Not.EqualTo(first.SpiI));
            Assert.That(lab.Controller.IkeSaCount, Is.EqualTo(1));
            Assert.That(ChildStates(lab.Kernel.Inner), Has.Count.EqualTo(2));
            Assert.That(ChildStates(lab.ControllerKernel!.Inner), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void ReauthenticationRefusedLeavesTheCurrentIkeSaWorking()
    {
        // every fresh IKE_SA_INIT is lost: the controller is unreachable for new IKE SAs only
        using var lab = new EngineLab(agentExtra: "reauth_time = 2m\nliveness_interval = 20s", installChildSa: true, controllerKernel: true);
        lab.RunTo(30);
        var first = lab.Agent.Status(lab.Now).IkeSa!;
        lab.DropToController = d => Mpsa.Ike.Wire.IkeHeader.TryPeek(d, out var h) && h.Exchange == Mpsa.Ike.Wire.ExchangeType.IKE_SA_INIT;

        lab.RunTo(290);   // reauth at 109-121 s, six IKE_SA_INIT unanswered for 126 s

        Assert.Multiple(() =>
        {
            Assert.That(lab.AgentLog.Lines.Count(l => l.EventId == AgentReauthFailed), Is.GreaterThanOrEqualTo(1), "the failure is logged");
            Assert.That(lab.Agent.State, Is.EqualTo(ConnectionState.Connected), "on the old IKE SA");
            Assert.That(lab.Agent.Status(lab.Now).IkeSa!.SpiI, Is.EqualTo(first.SpiI));
            Assert.That(lab.Member.HoldsCurrent, Is.True);
            Assert.That(ChildStates(lab.Kernel.Inner), Has.Count.EqualTo(2));
        });

        lab.DropToController = _ => false;
        lab.RunTo(400);
        Assert.That(lab.AgentLog.Lines.Count(l => l.EventId == AgentReauthenticated), Is.EqualTo(1), "retried 30 s later, and made");
        Assert.That(lab.AgentLog.Lines.Count(l => l.EventId == GroupSaRefused), Is.Zero);
    }

    [Test]
    public void ControllerDeletesTheIkeSaOfAMemberThatDoesNotReauthenticate()
    {
        // a bare initiator: it learns AUTH_LIFETIME but does nothing about it
        var log = new RecordingLogger();
        using var harness = new Controller.ControllerHarness(1, log: log,
            rekey: Mpsa.Ike.Exchanges.RekeyPolicy.Default with { ReauthTime = TimeSpan.FromSeconds(60) });
        var cpe = harness.Connect(1);
        var up = cpe.Events.OfType<Mpsa.Ike.Exchanges.IkeSaEstablished>().Single();
        Assert.That(up.AuthLifetime, Is.EqualTo(TimeSpan.FromSeconds(60)), "N(AUTH_LIFETIME) in the IKE_AUTH response");

        harness.Advance(TimeSpan.FromSeconds(65));
        Assert.That(log.Lines.Count(l => l.EventId == ControllerOverdue), Is.Zero, "not before reauth_time + 10 %");
        harness.Advance(TimeSpan.FromSeconds(2));

        Assert.Multiple(() =>
        {
            Assert.That(log.Lines.Count(l => l.EventId == ControllerOverdue), Is.EqualTo(1));
            Assert.That(cpe.Events.OfType<Mpsa.Ike.Exchanges.PeerGone>().Single().Reason, Is.EqualTo(Mpsa.Ike.Exchanges.PeerGoneReason.DeletedByPeer));
            Assert.That(harness.Engine.ConnectedCount, Is.Zero);
            Assert.That(harness.Engine.IkeSaCount, Is.Zero);
        });
    }

    [Test]
    public void ControllerDeletesAReplacedIkeSaTheMemberKeeps()
    {
        using var lab = new EngineLab(agentExtra: "reauth_time = 2m", installChildSa: true, controllerKernel: true);
        lab.RunTo(30);
        // the agent's Delete of the old IKE SA never arrives
        lab.DropToController = d => Mpsa.Ike.Wire.IkeHeader.TryPeek(d, out var h) && h.Exchange == Mpsa.Ike.Wire.ExchangeType.INFORMATIONAL
            && !h.IsResponse && lab.Controller.IkeSaCount > 1;

        lab.RunTo(200);

        Assert.Multiple(() =>
        {
            Assert.That(lab.ControllerLines(ControllerReauthenticated), Is.EqualTo(1));
            Assert.That(lab.ControllerLines(ControllerReplacedKept), Is.EqualTo(1), "deleted by the controller after 30 s");
            Assert.That(lab.Controller.IkeSaCount, Is.EqualTo(1));
            Assert.That(lab.Member.State, Is.EqualTo("connected"));
            Assert.That(ChildStates(lab.ControllerKernel!.Inner), Has.Count.EqualTo(2), "the replaced CHILD_SA's states went with it");
        });
    }

    [Test]
    public void KernelSoftExpireOnEitherSideRekeysTheChildSaAtOnce()
    {
        using var lab = new EngineLab(installChildSa: true, controllerKernel: true);
        lab.RunTo(30);
        var before = lab.Agent.Status(lab.Now).ChildSa!;

        // the controller's kernel: its inbound state of the member's CHILD_SA reaches its soft lifetime
        var controllerInbound = ChildStates(lab.ControllerKernel!.Inner).Single(s => s.Destination.Equals(EngineLab.ControllerAt.Address));
        var events = new List<KernelEvent>();
        using (lab.ControllerKernel.Subscribe(events.Add))
        {
            lab.ControllerKernel.Inner.Expire(controllerInbound.Id, hard: false);
        }
        lab.Inject(lab.Controller.OnKernelEvent(events.Single(), lab.Now));
        lab.RunTo(31);
        var afterController = lab.Agent.Status(lab.Now).ChildSa!;

        // and the agent's kernel: its outbound state does
        var agentOutbound = ChildStates(lab.Kernel.Inner).Single(s => s.Destination.Equals(EngineLab.ControllerAt.Address));
        events.Clear();
        using (lab.Kernel.Subscribe(events.Add))
        {
            lab.Kernel.Inner.Expire(agentOutbound.Id, hard: false);
        }
        lab.Agent.OnKernelEvent(events.Single(), lab.Now);
        lab.RunTo(32);
        var afterAgent = lab.Agent.Status(lab.Now).ChildSa!;

        Assert.Multiple(() =>
        {
            Assert.That(afterController.InboundSpi, Is.Not.EqualTo(before.InboundSpi), "the controller rekeyed at its soft expire");
            Assert.That(afterAgent.InboundSpi, Is.Not.EqualTo(afterController.InboundSpi), "the agent rekeyed at its soft expire");
            Assert.That(afterAgent.EstablishedSecondsAgo, Is.LessThanOrEqualTo(1));
            Assert.That(ChildStates(lab.Kernel.Inner), Has.Count.EqualTo(2), "the replaced states are gone");
            Assert.That(ChildStates(lab.ControllerKernel.Inner), Has.Count.EqualTo(2));
        });
    }

    private static List<XfrmStateSpec> ChildStates(InMemoryKernel kernel) =>
        kernel.States.Where(s => s.ReqId != KernelDataPlaneOptions.DefaultReqId).ToList();

    /// <summary>Each side's newest outbound CHILD_SA state (the one the kernel sends on) has its inbound twin at the other side.</summary>
    private static void CheckEspBothWays(EngineLab lab, List<string> gaps)
    {
        Check(lab.Kernel, lab.ControllerKernel!, EngineLab.ControllerAt.Address, "agent -> controller");
        Check(lab.ControllerKernel!, lab.Kernel, EngineLab.AgentAt.Address, "controller -> agent");

        void Check(FaultyKernel from, FaultyKernel to, IPAddress destination, string what)
        {
            var outbound = ChildStates(from.Inner).Where(s => s.Destination.Equals(destination)).MaxBy(s => from.AddedAtMs(s.Id));
            if (outbound is not null && !to.Inner.States.Any(s => s.Id == outbound.Id))
            {
                gaps.Add($"{lab.Now}: {what} sends on {outbound.Id}, which the receiver no longer (or not yet) holds");
            }
        }
    }
}
