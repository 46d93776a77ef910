using Microsoft.Extensions.Logging;
using Mpsa.Controller;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// A real agent engine refuses and a real controller engine records it: what the controller reports about a member is
/// what that member's kernel holds (docs/PROTOCOL.md "Refusals").
/// </summary>
public class RefusalEndToEndTests
{
    private const int PutRefused = 206, PutRefusedAgain = 214, PutAcceptedAfterRefusal = 212;
    private const int AgentGroupSaRefused = 501;

    [Test]
    public void RecordsASuiteTheMemberWillNotUseAndNeverRetriesIt()
    {
        using var lab = new EngineLab(agentExtra: "group_suites = aes128-sha256");
        lab.RunTo(1);
        var member = lab.Member;
        Assert.Multiple(() =>
        {
            Assert.That(member.State, Is.EqualTo("connected"));
            Assert.That(member.HoldsCurrent, Is.False);
            Assert.That(member.LastAckedSpi, Is.Null);
            Assert.That(member.Refusals.Single().Spi, Is.EqualTo(lab.Group.CurrentSpi));
            Assert.That(member.Refusals.Single().Notify, Is.EqualTo("NO_PROPOSAL_CHOSEN"));
            Assert.That(member.Refusals.Single().RetryInSeconds, Is.Null, "a suite refusal is final");
            Assert.That(lab.Group.MembersConnected, Is.EqualTo(1));
            Assert.That(lab.Group.MembersHoldingCurrent, Is.Zero);
            Assert.That(lab.Kernel.Inner.States, Is.Empty);
        });

        lab.RunTo(70);   // before the rekey at 80 s
        Assert.That(lab.AgentLog.Lines.Count(l => l.EventId == AgentGroupSaRefused), Is.EqualTo(1), "pushed once, not retried");
        var warnings = lab.ControllerLog.Lines.Where(l => l.EventId == PutRefused).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0].Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warnings[0].Text, Does.Contain("cpe").And.Contain("NO_PROPOSAL_CHOSEN").And.Contain(lab.Group.CurrentSpi));

        var agentStatus = lab.Agent.Status(lab.Now);
        Assert.That(agentStatus.LastRefusal?.Notify, Is.EqualTo("NO_PROPOSAL_CHOSEN"));
        Assert.That(Mpsa.Agent.AgentCli.StatusJson(agentStatus), Does.Contain("\"last_refusal\""));
        var status = lab.Controller.Status(lab.Now);
        string text = status.ToText();
        Assert.That(text, Does.Contain("does NOT hold the current SA").And.Contain("refused " + lab.Group.CurrentSpi + " with NO_PROPOSAL_CHOSEN"));
        Assert.That(text, Does.Contain("held by 0 of 1 connected"));
        string json = ControllerCli.StatusText(status, json: true);
        Assert.That(json, Does.Contain("\"holds_current_sa\": false").And.Contain("\"notify\": \"NO_PROPOSAL_CHOSEN\""));
        Assert.That(json, Does.Contain("\"members_holding_current\": 0"));
    }

    [Test]
    public void RetriesAKernelRefusalWithBackoffUntilTheMemberHoldsTheSa()
    {
        using var lab = new EngineLab();
        int refusals = 0;
        lab.Kernel.Refuse = _ => refusals++ < 3;   // the first three additions fail, as a kernel short of memory would

        lab.RunTo(1);
        Assert.That(lab.Member.Refusals.Single().Notify, Is.EqualTo("TEMPORARY_FAILURE"));
        Assert.That(lab.Member.Refusals.Single().RetryInSeconds, Is.EqualTo(1).Or.EqualTo(2));
        Assert.That(lab.Member.HoldsCurrent, Is.False);

        lab.RunTo(3);    // first retry 2 s after the refusal: refused again
        Assert.That(lab.Member.Refusals.Single().Count, Is.EqualTo(2));
        lab.RunTo(5.5);  // the wait doubled to 4 s: not yet
        Assert.That(lab.Member.Refusals.Single().Count, Is.EqualTo(2));
        lab.RunTo(6.5);  // 4 s after the second refusal: refused a third time
        Assert.That(lab.Member.Refusals.Single().Count, Is.EqualTo(3));
        lab.RunTo(13.5); // the next try waits 8 s
        Assert.That(lab.Member.Refusals.Single().Count, Is.EqualTo(3));
        lab.RunTo(20);   // at 14 s the kernel takes it
        Assert.Multiple(() =>
        {
            Assert.That(lab.Member.Refusals, Is.Empty);
            Assert.That(lab.Member.HoldsCurrent, Is.True);
            Assert.That(lab.Member.LastAckedSpi, Is.EqualTo(lab.Group.CurrentSpi));
            Assert.That(lab.Group.MembersHoldingCurrent, Is.EqualTo(1));
            Assert.That(lab.Kernel.Inner.States, Has.Count.EqualTo(1));
            Assert.That(lab.ControllerLines(PutRefused), Is.EqualTo(1), "one warning per member and SA");
            Assert.That(lab.ControllerLines(PutRefusedAgain), Is.EqualTo(2));
            Assert.That(lab.ControllerLines(PutAcceptedAfterRefusal), Is.EqualTo(1));
        });
    }

    [Test]
    public void RecordsAnOutboundRefusedAtRoll1AsNotHoldingTheNewSa()
    {
        using var lab = new EngineLab(agentSections: """
            [dataplane]
            subnets = 10.1.0.0/24
            [peer b]
            address = 198.51.100.2
            subnets = 10.2.0.0/24
            """);
        lab.RunTo(1);
        string first = lab.Group.CurrentSpi;
        Assert.That(lab.Member.HoldsCurrent, Is.True);

        lab.RunTo(81);   // rekey at 120 - 40 s: the next SA is pushed and accepted (inbound)
        string next = lab.Group.NextSpi!;
        Assert.That(lab.Member.Refusals, Is.Empty);
        lab.Kernel.Refuse = s => s.Spi.ToString() == next && s.Source is not null;

        lab.RunTo(95);   // ROLL1 at 90 s: the new outbound is refused, the old one stays, the controller is told
        var refusal = lab.Member.Refusals.Single();
        Assert.That((refusal.Spi, refusal.Notify), Is.EqualTo((next, "TEMPORARY_FAILURE")));
        var outbound = lab.Kernel.Inner.States.Where(s => s.Source is not null).Select(s => s.Spi.ToString()).ToList();
        Assert.That(outbound, Is.EqualTo(new[] { first }), "still sending with the old SA");

        lab.Kernel.Refuse = _ => false;
        lab.RunTo(110);  // the controller pushes again (backoff); this time the kernel takes the outbound
        Assert.That(lab.Member.Refusals, Is.Empty);
        outbound = lab.Kernel.Inner.States.Where(s => s.Source is not null).Select(s => s.Spi.ToString()).ToList();
        Assert.That(outbound, Is.EqualTo(new[] { next }));
    }
}
