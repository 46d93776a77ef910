namespace Mpsa.Tests.Cluster;

/// <summary>Controller replicas sharing one etcd: one SA for the whole fleet, and a key leader that can die mid-rekey.</summary>
[Category("Etcd")]
[Category("EndToEnd")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ClusterEndToEndTests
{
    private const int SIGKILL = 9;
    private EtcdCluster? _etcd;
    private ClusterLab? _lab;

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && _lab is not null)
        {
            TestContext.Out.WriteLine(_lab.Logs());
        }
        _lab?.Dispose();
        _etcd?.Dispose();
    }

    [Test]
    public void EveryReplicaServesOneSaAndANewLeaderFinishesARekeyTheOldOneStarted()
    {
        _etcd = new EtcdCluster();
        var lab = _lab = new ClusterLab(_etcd, 6, "lifetime = 40s\nrekey_margin = 16s\nroll1 = 3s\nroll2 = 6s");
        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            lab.StartReplica(r);
        }
        for (int i = 1; i <= lab.Agents; i++)
        {
            lab.StartAgent(i);
        }
        var agents = Enumerable.Range(1, lab.Agents).ToList();
        string? first = null;
        lab.WaitUntil(() => (first = lab.ActiveSpi(1)) is not null && agents.All(i => lab.ActiveSpi(i) == first), "every agent on one SA", 40);
        var fingerprints = agents.Select(i => lab.GroupSas(i).Single(g => g.Spi == first).Fingerprint).Distinct().ToList();
        Assert.That(fingerprints, Has.Count.EqualTo(1), "one SA, one key, whichever replica served it");

        int leader = lab.Leader() ?? -1;
        Assert.That(leader, Is.InRange(0, ClusterLab.Replicas - 1));
        // The rekey starts 24 s after the SA: kill the leader as soon as any agent holds the next SA.
        lab.WaitUntil(() => agents.Any(i => lab.GroupSas(i).Any(g => g.Spi != first)), "the rekey's first push", 60);
        lab.ReplicaProcesses[leader].Signal(SIGKILL);

        var survivors = agents.Where(i => i % ClusterLab.Replicas != leader).ToList();
        string? second = null;
        lab.WaitUntil(() => (second = lab.ActiveSpi(survivors[0])) is not null && second != first
            && survivors.All(i => lab.ActiveSpi(i) == second), "every agent of the surviving replicas on the next SA", 60);
        lab.WaitUntil(() => lab.Leader() is { } l && l != leader, "a new key leader", 40);
        var all = survivors.SelectMany(i => lab.GroupSas(i)).Where(g => g.Spi != first).Select(g => (g.Spi, g.Fingerprint)).Distinct().ToList();
        Assert.That(all, Is.EqualTo(new[] { (second!, all[0].Fingerprint) }), "no agent holds a different next SA");
    }
}
