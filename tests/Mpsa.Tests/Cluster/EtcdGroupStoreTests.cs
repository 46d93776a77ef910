using dotnet_etcd;
using Mpsa.Controller.Cluster;
using Mpsa.Controller.Groups;
using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.Controller;
using Mpsa.Tests.Crypto;

namespace Mpsa.Tests.Cluster;

/// <summary>The cluster's key leader and the groups' state in etcd, against three real etcd processes.</summary>
[Category("Etcd")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class EtcdGroupStoreTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private static readonly MonoTime Now = new(1_000_000);
    private EtcdCluster? _etcd;
    private string _dir = "";
    private readonly List<IDisposable> _dispose = [];

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("mpsa-cluster-").FullName;
        _etcd = new EtcdCluster();
    }

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(_etcd?.Logs());
        }
        foreach (var d in Enumerable.Reverse(_dispose))
        {
            d.Dispose();
        }
        _dispose.Clear();
        _etcd?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private T Keep<T>(T d)
        where T : IDisposable
    {
        _dispose.Add(d);
        return d;
    }

    private EtcdClient Client() => Keep(EtcdConnection.Open(_etcd!.Endpoints.Split(", ")));

    private KeyLeadership Campaign(string name)
    {
        var leadership = Keep(new KeyLeadership(Client(), "/mpsa-test/leader", name, Ttl));
        _ = Task.Run(leadership.RunAsync);
        return leadership;
    }

    private static void WaitUntil(Func<bool> condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}");
            }
            Thread.Sleep(50);
        }
    }

    private StateKey SharedKey()
    {
        string path = Path.Combine(_dir, "state.key");
        return Keep(File.Exists(path) ? StateKey.Read(path) : StateKey.Create(path));
    }

    private EtcdGroupStore Store(KeyLeadership leadership) =>
        new(Client(), "/mpsa-test", SharedKey(), leadership, TimeSpan.FromSeconds(2));

    [Test]
    public void OneReplicaLeadsAndAnotherTakesOverWhenItDies()
    {
        var a = Campaign("a");
        var b = Campaign("b");
        WaitUntil(() => a.IsLeader || b.IsLeader, "a leader");
        for (int i = 0; i < 20; i++)
        {
            Assert.That(a.IsLeader && b.IsLeader, Is.False, "two leaders at once");
            Thread.Sleep(50);
        }
        var (leader, other, otherName) = a.IsLeader ? (a, b, "b") : (b, a, "a");

        leader.Dispose();   // stops keeping its lease alive, as a killed replica would: etcd ends the lease after the TTL
        WaitUntil(() => other.IsLeader, "the other replica to take over");
        Assert.That(leader.IsLeader, Is.False);
        Assert.That(_etcd!.Ctl("get", "--print-value-only", "/mpsa-test/leader").Output.Trim(), Is.EqualTo(otherName));
    }

    [Test]
    public void TheLeaderWritesSealedGroupsThatEveryReplicaReads()
    {
        var a = Campaign("a");
        WaitUntil(() => a.IsLeader, "a to lead");
        var b = Campaign("b");
        var storeA = Store(a);
        var storeB = Store(b);
        using var group = new GroupKeyManager(ControllerHarness.DefaultGroup(), new SeededRandom(11), Now);
        var next = group.StartRekey(Now);
        using (var stored = group.ToStored())
        {
            storeA.Save([stored], Now);
        }

        var read = storeB.Restore(Now);
        using var restored = new GroupKeyManager(ControllerHarness.DefaultGroup(), new SeededRandom(12), Now, read["office"]);
        Assert.That((restored.Current.Spi, restored.Current.Fingerprint, restored.Next!.Spi, restored.Next.Fingerprint),
            Is.EqualTo((group.Current.Spi, group.Current.Fingerprint, next.Spi, next.Fingerprint)));

        byte[] value = Client().Get("/mpsa-test/groups/office").Kvs[0].Value.ToByteArray();
        Assert.That(value.AsSpan().IndexOf(group.Current.SkD.Span), Is.EqualTo(-1), "SK_d in plain text in etcd");
        Assert.That(value.AsSpan().IndexOf(next.SkD.Span), Is.EqualTo(-1));
        Assert.That(value.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(next.SkD.Span))), Is.EqualTo(-1));

        using var stale = group.ToStored();
        var e = Assert.Throws<StateException>(() => storeB.Save([stale], Now))!;
        Assert.That(e.Message, Does.Contain("not the key leader"));
    }

    [Test]
    public void OneEtcdMemberDownChangesNothingTwoDownStopWritesUntilTheyAreBack()
    {
        var a = Campaign("a");
        WaitUntil(() => a.IsLeader, "a to lead");
        var store = Store(a);
        using var group = new GroupKeyManager(ControllerHarness.DefaultGroup(), new SeededRandom(13), Now);
        void Save()
        {
            using var stored = group.ToStored();
            store.Save([stored], Now);
        }
        Save();

        _etcd!.Kill(0);
        Save();
        Assert.That(a.IsLeader, Is.True);

        _etcd.Kill(1);
        WaitUntil(() =>
        {
            try
            {
                Save();
                return false;
            }
            catch (StateException)
            {
                return true;
            }
        }, "writes to fail without a quorum");
        WaitUntil(() => !a.IsLeader, "the leader to give up a lease it cannot keep alive");

        _etcd.Start(0);
        _etcd.Start(1);
        _etcd.WaitHealthy([0, 1, 2]);
        WaitUntil(() => a.IsLeader, "leadership back with the quorum");
        Save();
        Assert.That(store.Restore(Now)["office"].Current.Spi, Is.EqualTo(group.Current.Spi));
    }
}
