using System.Text.Json;

namespace Mpsa.Tests.Cluster;

/// <summary>etcd members lost under three replicas and their simulated CPEs: one member goes unnoticed; without a quorum the
/// current SA stays, the overdue rekey is reported (status, and the log once a minute), and it happens once etcd is back.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class EtcdOutageTests : ClusterLabTest
{
    private const int RekeyOverdueEvent = 513;
    private const int CannotFollowLeaderEvent = 115;
    private const int RekeyPostponedEvent = 511;
    private const int Cpes = 30;

    [Test]
    public void LosingOneEtcdMemberDuringARekeyGoesUnnoticedByTheMembers()
    {
        var (lab, fleet, first) = StartOnOneSa("lifetime = 40s\nrekey_margin = 16s\nroll1 = 3s\nroll2 = 6s", Cpes);
        // the rekey starts when 16 s are left: the Raft leader of etcd dies a second before
        lab.WaitUntil(() => lab.ReplicaGroup(0) is { } g && g.GetProperty("seconds_left").GetInt64() <= 17, "the rekey coming", 60);
        int member = Etcd!.RaftLeader() ?? 0;
        Etcd.Kill(member);

        lab.WaitUntil(() => fleet.Cpes().All(c => c.Sas.Count >= 2), "every CPE on the next SA", 60);
        var second = fleet.Cpes()[0].Sas[1];
        lab.WaitUntil(() => Enumerable.Range(0, ClusterLab.Replicas).All(r => CurrentSpi(lab, r) == second.Spi), "the rollover's end", 30);
        foreach (var (index, sas, ikeSas) in fleet.Cpes())
        {
            Assert.That(sas, Is.EqualTo(new[] { first, second }), $"sim{index}: the next SA, the same as everyone's");
            Assert.That(ikeSas, Is.EqualTo(1), $"sim{index}: no reconnect");
        }
        Assert.That(fleet.Failed, Is.Zero);
        // every replica counts the holders fleet-wide, from the records the others write every 2 s
        lab.WaitUntil(() => Enumerable.Range(0, ClusterLab.Replicas)
            .All(r => lab.ReplicaGroup(r)?.GetProperty("members_holding_current").GetInt32() == Cpes), "every holder in every replica's status", 20);
        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            Assert.That(lab.LogCount(r, RekeyPostponedEvent), Is.Zero, $"replica r{r}: the rekey was not postponed");
            Assert.That(lab.LogCount(r, CannotFollowLeaderEvent), Is.Zero, $"replica r{r}: etcd read on the other members");
        }
    }

    [Test]
    public void WithoutAnEtcdQuorumTheCurrentSaStaysAndTheRekeyWaitsUntilEtcdIsBack()
    {
        // the rekey is due when 45 s are left, overdue 5 s later
        var (lab, fleet, first) = StartOnOneSa("lifetime = 80s\nrekey_margin = 45s\nroll1 = 3s\nroll2 = 6s", Cpes + 3);
        int leader = Etcd!.RaftLeader() ?? 0;
        int other = (leader + 1) % 3;
        Etcd.Kill(leader);
        Etcd.Kill(other);
        var outage = System.Diagnostics.Stopwatch.StartNew();

        // members that connect, and connect again, while etcd has no quorum get the current SA
        var rejoining = Own(new SimulatedFleet(lab, Enumerable.Range(Cpes, 3)));
        Assert.That(rejoining.Connect(), Is.True);
        Assert.That(rejoining.Connect(), Is.True);
        Assert.That(rejoining.Cpes().Select(c => c.Sas), Is.All.EqualTo(new[] { first }));

        lab.WaitUntil(() => Enumerable.Range(0, ClusterLab.Replicas).All(r => Warning(lab, r) is not null), "the overdue rekey reported", 60);
        foreach (int r in Enumerable.Range(0, ClusterLab.Replicas))
        {
            Assert.That(Warning(lab, r), Does.StartWith($"rekey overdue: SA {first.Spi} expires in ").And
                .Contain("s and no next SA exists; etcd unreachable (etcd unavailable: ").And.EndWith("): no rekey until it is back"));
        }
        var (_, text, _) = EndToEnd.Daemon.Run("mpsa-controller", "status", "--socket", $"{lab.Directory}/r0.sock");
        Assert.That(text, Does.Contain("\n  warning: rekey overdue: SA " + first.Spi));
        // ten seconds of outage later: one warning per replica, not one a second
        lab.WaitUntil(() => lab.ReplicaGroup(0) is { } g && g.GetProperty("seconds_left").GetInt64() <= 30, "ten more seconds", 30);
        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            Assert.That(lab.ReplicaGroup(r)!.Value.GetProperty("next_spi").ValueKind, Is.EqualTo(JsonValueKind.Null), $"r{r}: no rekey");
            Assert.That(lab.LogCount(r, RekeyOverdueEvent), Is.EqualTo(1), $"r{r}: the overdue rekey logged once a minute");
            Assert.That(lab.LogCount(r, CannotFollowLeaderEvent), Is.InRange(1, 1 + (int)outage.Elapsed.TotalMinutes),
                $"r{r}: etcd unreachable logged once a minute");
        }
        Assert.That(fleet.Cpes().Select(c => c.Sas), Is.All.EqualTo(new[] { first }), "the current SA stays");

        Etcd.Start(leader);
        Etcd.Start(other);
        Etcd.WaitHealthy(Enumerable.Range(0, 3));
        lab.WaitUntil(() => fleet.Cpes().Concat(rejoining.Cpes()).All(c => c.Sas.Count >= 2), "every CPE on the next SA", 40);
        var second = fleet.Cpes()[0].Sas[1];
        foreach (var (index, sas, ikeSas) in fleet.Cpes().Concat(rejoining.Cpes()))
        {
            Assert.That(sas, Is.EqualTo(new[] { first, second }), $"sim{index}: one new SA for everyone");
        }
        Assert.That(fleet.Cpes().Select(c => c.IkeSas), Is.All.EqualTo(1), "no reconnects");
        Assert.That(fleet.Failed, Is.Zero);
        lab.WaitUntil(() => Enumerable.Range(0, ClusterLab.Replicas).All(r => Warning(lab, r) is null), "the warnings gone", 10);
    }

    /// <summary>etcd, three replicas and <paramref name="cpes"/> simulated members of which the first <see cref="Cpes"/>
    /// connect; returns once they all hold the same SA.</summary>
    private (ClusterLab Lab, SimulatedFleet Fleet, (string Spi, string Fingerprint) First) StartOnOneSa(string timers, int cpes)
    {
        Etcd = new EtcdCluster();
        var lab = Lab = new ClusterLab(Etcd, 0, timers, simulated: cpes);
        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            lab.StartReplica(r);
        }
        lab.WaitUntil(() => Enumerable.Range(0, ClusterLab.Replicas).All(r => lab.ReplicaGroup(r) is not null), "every replica serving", 40);
        var fleet = Own(new SimulatedFleet(lab, Enumerable.Range(0, Cpes)));
        Assert.That(fleet.Connect(), Is.True, $"every CPE set up ({fleet.Failed} failed)");
        var first = fleet.Cpes().Select(c => c.Sas.Single()).Distinct().ToList();
        Assert.That(first, Has.Count.EqualTo(1), "one SA, one key, whichever replica served it");
        return (lab, fleet, first[0]);
    }

    private static string? CurrentSpi(ClusterLab lab, int r) => lab.ReplicaGroup(r)?.GetProperty("current_spi").GetString();

    private static string? Warning(ClusterLab lab, int r) => lab.ReplicaGroup(r)?.GetProperty("warning").GetString();
}
