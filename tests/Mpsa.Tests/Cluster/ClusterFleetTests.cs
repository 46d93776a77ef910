using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Cluster;

/// <summary>Three replicas and 300 simulated CPEs: one SA for the whole fleet, and a new key leader that finishes the
/// rekey a killed one started.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ClusterFleetTests : ClusterLabTest
{
    private const int Cpes = 300;

    [Test]
    public void ANewLeaderFinishesARekeyFanOutToThreeHundredCpesAndEverySurvivingCpeEndsOnTheSameNewSa()
    {
        Etcd = new EtcdCluster();
        var lab = Lab = new ClusterLab(Etcd, 0, "lifetime = 40s\nrekey_margin = 16s\nroll1 = 3s\nroll2 = 6s", simulated: Cpes);
        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            lab.StartReplica(r);
        }
        var fleet = Own(new SimulatedFleet(lab, Enumerable.Range(0, Cpes)));
        lab.WaitUntil(() => lab.ReplicaGroup(0) is not null && lab.ReplicaGroup(1) is not null && lab.ReplicaGroup(2) is not null,
            "every replica serving", 40);
        Assert.That(fleet.Connect(), Is.True, $"every CPE set up ({fleet.Failed} failed)");
        var first = fleet.Cpes().Select(c => c.Sas[0]).Distinct().ToList();
        Assert.That(first, Has.Count.EqualTo(1), "one SA, one key, whichever replica served it");
        var group = lab.ReplicaGroup(0)!.Value;
        Assert.That(first[0], Is.EqualTo((group.GetProperty("current_spi").GetString(), group.GetProperty("fingerprint").GetString())));

        int leader = lab.Leader() ?? -1;
        Assert.That(leader, Is.InRange(0, ClusterLab.Replicas - 1));
        // The rekey starts 24 s after the SA: the leader dies as soon as the first CPE holds the next SA.
        using var rekeyed = new ManualResetEventSlim();
        fleet.GroupSaReceived += (_, spi) =>
        {
            if (spi.ToString() != first[0].Spi)
            {
                rekeyed.Set();
            }
        };
        Assert.That(rekeyed.Wait(TimeSpan.FromSeconds(60)), Is.True, "the rekey's first push");
        lab.ReplicaProcesses[leader].Signal(SIGKILL);

        var survivors = Enumerable.Range(0, ClusterLab.Replicas).Where(r => r != leader).ToList();
        List<(string Spi, string Fingerprint)> NextSas() => fleet.Cpes().Where(c => c.Index % ClusterLab.Replicas != leader)
            .SelectMany(c => c.Sas).Where(s => s != first[0]).Distinct().ToList();
        bool AllRekeyed() => fleet.Cpes().Where(c => c.Index % ClusterLab.Replicas != leader).All(c => c.Sas.Count >= 2);
        lab.WaitUntil(AllRekeyed, "every CPE of the surviving replicas on the next SA", 60);
        lab.WaitUntil(() => lab.Leader() is { } l && l != leader, "a new key leader", 40);
        var second = NextSas();
        Assert.That(second, Has.Count.EqualTo(1), "every surviving CPE got the same next SA, none a different one");
        // The new leader ends the rollover the old one started: the next SA becomes current, with no other one after it.
        lab.WaitUntil(() => survivors.All(r => lab.ReplicaGroup(r) is { } g && g.GetProperty("current_spi").GetString() == second[0].Spi),
            "the rollover finished on the surviving replicas", 30);
        // Each replica counts the holders fleet-wide, from the records the others write every 2 s.
        int holders = Cpes / ClusterLab.Replicas * survivors.Count;
        lab.WaitUntil(() => survivors.All(r => lab.ReplicaGroup(r)?.GetProperty("members_holding_current").GetInt32() == holders),
            $"{holders} holders of the new SA in every surviving replica's status", 20);
        foreach (int r in survivors)
        {
            Assert.That(lab.ReplicaGroup(r)!.Value.GetProperty("fingerprint").GetString(), Is.EqualTo(second[0].Fingerprint));
        }
        Assert.That(NextSas(), Is.EqualTo(second), "still no other SA");
        Assert.That(fleet.Failed, Is.Zero);
    }
}
