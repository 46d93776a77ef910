using System.Text.Json;

namespace Mpsa.Tests.Cluster;

/// <summary>Members kept in etcd with `mpsa-controller member ...`: served by every replica, removed fleet-wide with one
/// rekey, and shown by `status` on any replica with the replica each is connected to.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class MemberDirectoryEndToEndTests : ClusterLabTest
{

    [Test]
    public void ImportedMembersConnectAnywhereAndARemovalDisconnectsAndRekeysOnce()
    {
        Etcd = new EtcdCluster();
        var lab = Lab = new ClusterLab(Etcd, 3, "lifetime = 600s\nrekey_margin = 60s\nroll1 = 3s\nroll2 = 6s", membersInEtcd: true);
        var (code, output, error) = lab.Controller(0, "member", "import", lab.MembersFile);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("imported 3 members"));
        string pskFile = Path.Combine(lab.Directory, "cpe4.psk");
        File.WriteAllText(pskFile, "secret of a member that never connects\n");
        File.SetUnixFileMode(pskFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (code, _, error) = lab.Controller(1, "member", "add", "cpe4", "--identity", "cpe4.cluster", "--group", "g", "--psk-file", pskFile);
        Assert.That(code, Is.Zero, error);
        (code, output, error) = lab.Controller(2, "member", "list", "--json");
        Assert.That(code, Is.Zero, error);
        var listed = JsonDocument.Parse(output).RootElement.EnumerateArray().Select(m => (m.GetProperty("name").GetString(), m.GetProperty("source").GetString())).ToList();
        Assert.That(listed, Is.EqualTo(new[] { ("cpe1", "etcd"), ("cpe2", "etcd"), ("cpe3", "etcd"), ("cpe4", "etcd") }));
        var (_, stored) = lab.Etcd.Ctl("get", "--prefix", "/mpsa-lab/members/");
        Assert.That(stored, Does.Contain("cpe4.cluster").And.Not.Contains("never connects"), "etcd holds the identity, never the PSK in clear");

        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            lab.StartReplica(r);
        }
        for (int i = 1; i <= lab.Agents; i++)
        {
            lab.StartAgent(i);
        }
        string? first = null;
        lab.WaitUntil(() => (first = lab.ActiveSpi(1)) is not null && lab.ActiveSpi(2) == first && lab.ActiveSpi(3) == first, "every agent on one SA", 40);

        // Any replica's status shows the whole fleet: agent i is connected to replica i % 3.
        lab.WaitUntil(() => Fleet(lab, 0) is { } f && f["cpe1"] == ("connected", "r1") && f["cpe2"] == ("connected", "r2")
            && f["cpe3"] == ("connected", "r0") && f["cpe4"] == ("disconnected", null), "the whole fleet in replica r0's status", 20);
        // every replica counts the fleet from the records the others write every 2 s: r2's count may lag r0's view
        lab.WaitUntil(() => lab.ReplicaStatus(2).GetProperty("groups")[0].GetProperty("members_connected").GetInt32() == 3,
            "replica r2 counting the 3 connected members", 20);

        (code, output, error) = lab.Controller(0, "member", "remove", "cpe2");
        Assert.That(code, Is.Zero, error);
        string? second = null;
        lab.WaitUntil(() => (second = lab.ActiveSpi(1)) is not null && second != first && lab.ActiveSpi(3) == second, "the members left on a new SA", 40);
        lab.WaitUntil(() => Fleet(lab, 1) is { } f && !f.ContainsKey("cpe2") && f["cpe1"] == ("connected", "r1"), "cpe2 no longer a member", 20);
        Assert.That(lab.AgentStatus(2).GetProperty("controller").GetProperty("state").GetString(), Is.Not.EqualTo("connected"));
        Assert.That(lab.ReplicaProcesses[2].Log, Does.Contain("member cpe2 removed from the member directory"));
        int rekeys = lab.ReplicaProcesses.Values.Sum(d => d.Log.Split('\n').Count(l => l.Contains("(member removed)", StringComparison.Ordinal)));
        Assert.That(rekeys, Is.EqualTo(1), "one removal rekey for the whole fleet");

        // A replica that dies takes its members out of everyone's status once its lease ends.
        lab.ReplicaProcesses[1].Signal(SIGKILL);
        lab.WaitUntil(() => Fleet(lab, 0) is { } f && f["cpe1"] == ("disconnected", null) && f["cpe3"] == ("connected", "r0"),
            "the dead replica's member gone from the fleet", 30);
    }

    [Test]
    public void AnImportWithAnyBadLineWritesNothingAndNamesEveryLine()
    {
        Etcd = new EtcdCluster(size: 1);
        var lab = Lab = new ClusterLab(Etcd, 2, "", membersInEtcd: true);
        string file = Path.Combine(lab.Directory, "bad.csv");
        File.WriteAllText(file, "name,identity,group,psk\ncpe1,cpe1.cluster,g,one\ncpe2,cpe2.cluster,nosuchgroup,two\ncpe3,cpe1.cluster,g,three\n");
        var (code, _, error) = lab.Controller(0, "member", "import", file);
        Assert.That(code, Is.EqualTo(65));
        Assert.That(error, Does.Contain($"{file}:3: member cpe2: no [group nosuchgroup]").And.Contains($"{file}:4: member cpe3: identity cpe1.cluster is already member cpe1's")
            .And.Contains("nothing written"));
        var (_, listed, _) = lab.Controller(0, "member", "list");
        Assert.That(listed, Does.Contain("0 members (0 in etcd)"));

        (code, _, error) = lab.Controller(0, "member", "remove", "cpe9");
        Assert.That((code, error.Trim()), Is.EqualTo((1, "mpsa-controller: no member cpe9 in etcd")));

        // A short PSK is written all the same, with a warning at its line.
        File.WriteAllText(file, "name,identity,group,psk\ncpe1,cpe1.cluster,g,one\ncpe2,cpe2.cluster,g,0x00112233445566778899aabbccddeeff\n");
        (code, var output, error) = lab.Controller(0, "member", "import", file);
        Assert.That((code, output.Trim()), Is.EqualTo((0, $"imported 2 members from {file}: 2 new, 0 replaced, in 1 etcd transactions")), error);
        Assert.That(error.Trim(), Is.EqualTo($"{file}:2: member cpe1: psk: warning: a PSK of 3 bytes can be guessed offline by whoever answers one peer "
            + "in the other's place (RFC 7296 §2.15); use 16 or more random bytes (`openssl rand -hex 32`, written 0x...)"));
    }

    [Test]
    public void TenThousandImportedMembersAndAThousandCpesConnectingAcrossReplicas()
    {
        const int members = 10_000, cpes = 1_000;
        Etcd = new EtcdCluster();
        var lab = Lab = new ClusterLab(Etcd, 0, "lifetime = 1h", membersInEtcd: true, simulated: members);
        var (code, output, error) = lab.Controller(0, "member", "import", lab.MembersFile);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain($"imported {members} members"));
        (_, output, _) = lab.Controller(1, "member", "list");
        Assert.That(output, Does.Contain($"{members} members ({members} in etcd)"), "every member in etcd");

        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            lab.StartReplica(r);
        }
        lab.WaitUntil(() => Enumerable.Range(0, ClusterLab.Replicas).All(r => lab.ReplicaStatus(r) is { ValueKind: JsonValueKind.Object } s
            && s.GetProperty("members").GetArrayLength() == members), $"every replica serving the {members} members", 60);
        using var fleet = new SimulatedFleet(lab, Enumerable.Range(0, cpes).Select(i => i * (members / cpes)));
        Assert.That(fleet.Connect(120), Is.True, $"every CPE set up ({fleet.Failed} failed)");
        var sas = fleet.Cpes().Select(c => c.Sas[0]).Distinct().ToList();
        Assert.That(sas, Has.Count.EqualTo(1), "one SA for every CPE, whichever replica it joined");

        // Every replica's status shows the whole fleet: CPE i on replica i % 3.
        lab.WaitUntil(() => Fleet(lab, 1) is { } f && f.Values.Count(m => m.Item1 == "connected") == cpes, $"{cpes} connected in r1's status", 30);
        var fleetView = Fleet(lab, 1)!;
        Assert.That(fleetView, Has.Count.EqualTo(members));
        for (int i = 0; i < cpes; i++)
        {
            int index = i * (members / cpes);
            Assert.That(fleetView[$"sim{index}"], Is.EqualTo(("connected", $"r{index % ClusterLab.Replicas}")), $"sim{index}");
        }
        // r2 counts the others' members from the records they write every 2 s: it may be a round behind r1.
        lab.WaitUntil(() => lab.ReplicaGroup(2) is { } g && g.GetProperty("members_connected").GetInt32() == cpes
            && g.GetProperty("members_holding_current").GetInt32() == cpes, $"{cpes} connected and holding the SA in r2's group status", 30);
        var group = lab.ReplicaStatus(2).GetProperty("groups")[0];
        Assert.That((group.GetProperty("members_connected").GetInt32(), group.GetProperty("members_holding_current").GetInt32()), Is.EqualTo((cpes, cpes)));
        Assert.That(group.GetProperty("current_spi").GetString(), Is.EqualTo(sas[0].Spi));
    }

    /// <summary>Replica r's status: each member's state and the replica it is connected to.</summary>
    private static Dictionary<string, (string?, string?)>? Fleet(ClusterLab lab, int r)
    {
        var s = lab.ReplicaStatus(r);
        return s.ValueKind != JsonValueKind.Object ? null : s.GetProperty("members").EnumerateArray().ToDictionary(
            m => m.GetProperty("name").GetString()!,
            m => (m.GetProperty("state").GetString(), m.TryGetProperty("replica", out var at) ? at.GetString() : null));
    }
}
