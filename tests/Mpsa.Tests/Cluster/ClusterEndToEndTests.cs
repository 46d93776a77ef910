namespace Mpsa.Tests.Cluster;

/// <summary>Controller replicas sharing one etcd: one SA for the whole fleet, and a key leader that can die mid-rekey.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ClusterEndToEndTests : ClusterLabTest
{
    private string? _pkiDirectory;

    [TearDown]
    public void DeletePki()
    {
        if (_pkiDirectory is not null)
        {
            Directory.Delete(_pkiDirectory, recursive: true);
            _pkiDirectory = null;
        }
    }

    [Test]
    public void ReplicasShareOneSaThroughEtcdOverTlsAsAUserAndAWrongPasswordIsLoggedNotFatal()
    {
        _pkiDirectory = Directory.CreateTempSubdirectory("mpsa-cluster-pki-").FullName;
        var pki = new EtcdPki(_pkiDirectory);
        string password = Path.Combine(_pkiDirectory, "password");
        File.WriteAllText(password, "replica password\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Etcd = new EtcdCluster(1, pki, "--auth-token-ttl", "2");
        Etcd.EnableAuth("mpsa", "replica password", "/mpsa-lab/");
        string keys = $"etcd_ca = {pki.Ca}\netcd_cert = {pki.ClientCert}\netcd_key = {pki.ClientKey}\n"
            + $"etcd_user = mpsa\netcd_password_file = {password}";
        var lab = Lab = new ClusterLab(Etcd, 3, "lifetime = 1h", keys);
        for (int r = 0; r < ClusterLab.Replicas; r++)
        {
            lab.StartReplica(r);
        }
        for (int i = 1; i <= lab.Agents; i++)
        {
            lab.StartAgent(i);
        }
        var agents = Enumerable.Range(1, lab.Agents).ToList();
        string? sa = null;
        lab.WaitUntil(() => (sa = lab.ActiveSpi(1)) is not null && agents.All(i => lab.ActiveSpi(i) == sa), "every agent on one SA", 40);
        Assert.That(lab.Leader(), Is.InRange(0, ClusterLab.Replicas - 1));

        string wrong = Path.Combine(_pkiDirectory, "wrong-password");
        File.WriteAllText(wrong, "not the password\n");
        File.SetUnixFileMode(wrong, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string config = Path.Combine(lab.Directory, "wrong.conf");
        File.WriteAllText(config, File.ReadAllText(lab.ControllerConfig(0)).Replace(password, wrong, StringComparison.Ordinal)
            .Replace("name = r0", "name = r9", StringComparison.Ordinal).Replace("listen = 127.0.0.1:", "listen = 127.0.0.9:", StringComparison.Ordinal)
            .Replace("/r0", "/r9", StringComparison.Ordinal));
        var refused = lab.StartController("r9", config);
        lab.WaitUntil(() => refused.Log.Contains("cannot read etcd before serving (etcd refused access: etcd user 'mpsa': ", StringComparison.Ordinal),
            "the refused replica to say why", 20);
        Assert.That(refused.HasExited, Is.False, "it keeps trying");
    }

    [Test]
    public void AReloadWhileWaitingForEtcdIsCarriedOutOnceTheReplicaServes()
    {
        Etcd = new EtcdCluster(1);
        var lab = Lab = new ClusterLab(Etcd, 1, "lifetime = 1h");
        Etcd.Kill(0);
        var replica = lab.StartReplica(0);
        lab.WaitUntil(() => replica.Log.Contains("[119] cluster: cannot read etcd before serving", StringComparison.Ordinal), "the replica waiting for etcd", 30);

        File.AppendAllText(lab.ControllerConfig(0), "\n[member cpe9]\nidentity = cpe9.cluster\npsk = \"cluster secret of cpe9\"\ngroup = g\n");
        replica.Signal(1);   // SIGHUP
        lab.WaitUntil(() => replica.Log.Contains("[601] SIGHUP received, reloading", StringComparison.Ordinal), "the signal logged", 10);
        Assert.That(replica.Log, Does.Not.Contain("[400]"), "nothing to reload into before the replica serves");

        Etcd.Start(0);
        lab.WaitUntil(() => replica.Log.Contains("[400] configuration reloaded: 1 groups, 2 members", StringComparison.Ordinal),
            "the reload carried out once the replica serves", 60);
        Assert.That(replica.HasExited, Is.False);
    }

    [Test]
    public void EveryReplicaServesOneSaAndANewLeaderFinishesARekeyTheOldOneStarted()
    {
        Etcd = new EtcdCluster();
        var lab = Lab = new ClusterLab(Etcd, 6, "lifetime = 40s\nrekey_margin = 16s\nroll1 = 3s\nroll2 = 6s");
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
