namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// The agent engine (and the controller's) through 10,000 group-SA rekeys and 50,000 liveness checks in memory: the
/// managed heap after a full collection must not grow with the count. A leak test, not a timing test.
/// </summary>
public class MemoryGrowthTests
{
    private const int AgentAlive = 207, AgentGroupSaAccepted = 500;

    [Test]
    public void TenThousandRekeysAndFiftyThousandLivenessChecksLeaveTheHeapWhereItWas()
    {
        // a group SA every 6 s, a liveness check every 5 s (the controller stays quiet in between)
        using var lab = new EngineLab(agentExtra: "liveness_interval = 5s\nlog_level = debug", installChildSa: true, controllerKernel: true,
            groupTimes: "lifetime = 12s\nrekey_margin = 6s\nroll1 = 2s\nroll2 = 4s");
        lab.AgentLog.KeepLines = false;
        lab.ControllerLog.KeepLines = false;
        // warm: two thousand rekeys, every code path and pool touched, the controller's memory of used SPIs full (1,024)
        lab.RunTo(6 * 2_000);
        long warm = Heap();
        int rekeysBefore = lab.AgentLog.Count(AgentGroupSaAccepted), checksBefore = lab.AgentLog.Count(AgentAlive);

        lab.RunTo(6 * 12_000);
        long atTwelve = Heap();
        lab.RunTo(6 * 64_000);
        long end = Heap();

        int rekeys = lab.AgentLog.Count(AgentGroupSaAccepted) - rekeysBefore, checks = lab.AgentLog.Count(AgentAlive) - checksBefore;
        TestContext.Out.WriteLine($"{rekeys} group SAs accepted, {checks} liveness checks answered after warm-up; heap after a full " +
            $"collection: {warm / 1024} kB warm, {atTwelve / 1024} kB after 10,000 more rekeys, {end / 1024} kB at the end");
        Assert.Multiple(() =>
        {
            Assert.That(rekeys, Is.GreaterThanOrEqualTo(10_000));
            Assert.That(checks, Is.GreaterThanOrEqualTo(50_000));
            Assert.That(lab.Agent.State, Is.EqualTo(Mpsa.Agent.Supervisor.ConnectionState.Connected));
            // from 10,000 to 62,000 rekeys (and ~50,000 liveness checks): a leak of even 4 bytes each would add > 300 kB
            Assert.That(end - atTwelve, Is.LessThan(128 * 1024), "the heap does not grow with rekeys and liveness checks");
            Assert.That(end - warm, Is.LessThan(512 * 1024), "nor between the warm-up and the end");
        });
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
