using Mpsa.Controller.Members;
using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Controller.State;

/// <summary>A cluster replica's engine when members leave the directory: the key leader alone rekeys, once, whether the
/// member was connected to it or not; a rekey that cannot be stored is owed until it can.</summary>
public class ClusterMemberRemovalTests
{
    /// <summary>A store like etcd: the SA must be stored before any member hears of it; it can fail, or refuse this replica.</summary>
    private sealed class ClusterStore : IGroupStateStore
    {
        public bool Fail { get; set; }
        public bool Writable { get; set; } = true;
        public int Saves { get; private set; }
        public bool CanWrite => Writable;
        public bool MustStoreBeforePush => true;
        public IReadOnlyDictionary<string, StoredGroup> Restored { get; } = new Dictionary<string, StoredGroup>();

        public void Save(IReadOnlyList<StoredGroup> groups, MonoTime now)
        {
            if (Fail || !Writable)
            {
                throw new StateException("etcd unavailable: no answer within 3 s");
            }
            Saves++;
        }
    }

    /// <summary>Members 1 and 2 in the config file, 3 in the directory (never connected); 1 and 2 connected.</summary>
    private static ControllerHarness Cluster(bool leading, ClusterStore store)
    {
        var h = new ControllerHarness(3, state: store);
        h.Engine.SetLeading(leading);
        h.FromController(h.Engine.SetDirectory([h.Members[2]], h.Now));   // before cpe3 leaves the config: never removed
        h.FromController(h.Engine.Reload(h.Settings(h.Members.Take(2).ToList()), h.Now));
        h.Connect(1);
        h.Connect(2);
        h.Run();
        return h;
    }

    private static List<EspSpi> Received(ControllerHarness h, int member) =>
        h.Cpes.Single(c => c.Member.Name == $"cpe{member}").Received.Select(p => p.Spi).Distinct().ToList();

    [Test]
    public void TheLeaderRekeysOnceWhenADirectoryMemberGoesEvenOneConnectedElsewhere()
    {
        using var h = Cluster(leading: true, new ClusterStore());
        Assert.That(Received(h, 1), Has.Count.EqualTo(1));
        h.FromController(h.Engine.SetDirectory([], h.Now));
        h.Run();
        Assert.That(Received(h, 1), Has.Count.EqualTo(2), "cpe3 may hold the SA wherever it was connected: a new one");
        Assert.That(Received(h, 2), Is.EqualTo(Received(h, 1)));
        h.FromController(h.Engine.SetDirectory([], h.Now));
        h.Run();
        Assert.That(Received(h, 1), Has.Count.EqualTo(2), "the same directory again rekeys nothing");
    }

    [Test]
    public void AFollowerDeletesARemovedMemberButLeavesTheRekeyToTheLeader()
    {
        var store = new ClusterStore { Writable = false };
        using var h = Cluster(leading: false, store);
        h.FromController(h.Engine.Reload(h.Settings([h.Members[0]]), h.Now));   // cpe2 removed here too
        h.Run();
        Assert.That(h.Engine.Status(h.Now).Members.Select(m => (m.Name, m.State)), Is.EqualTo(new[] { ("cpe1", "connected"), ("cpe3", "disconnected") }));
        Assert.That(Received(h, 1), Has.Count.EqualTo(1), "no SA of its own");
        Assert.That(h.Engine.NextDeadline is not { } at || at > h.Now, Is.True, "a replica that cannot write has nothing due (no spinning)");
    }

    [Test]
    public void ARemovalRekeyThatCannotBeStoredIsOwedUntilItCan()
    {
        var store = new ClusterStore();
        using var h = Cluster(leading: true, store);
        store.Fail = true;   // etcd without a quorum
        h.FromController(h.Engine.SetDirectory([], h.Now));
        h.Advance(TimeSpan.FromSeconds(45));
        Assert.That(Received(h, 1), Has.Count.EqualTo(1), "no member hears of an SA that is not stored");

        store.Fail = false;
        h.Advance(TimeSpan.FromSeconds(11));
        Assert.That(Received(h, 1), Has.Count.EqualTo(2), "the removal rekey, long before the lifetime's");
        Assert.That(h.Now - new MonoTime(1_000_000), Is.LessThan(h.Group.Lifetime - h.Group.RekeyMargin));
    }

    [Test]
    public void ARekeyThatCannotBeStoredLeavesTheRolloverInProgressAsItWas()
    {
        var store = new ClusterStore();
        using var h = Cluster(leading: true, store);
        h.Advance(h.Group.Lifetime - h.Group.RekeyMargin + TimeSpan.FromSeconds(1));   // a rollover under way
        var rolling = h.Engine.Status(h.Now).Groups[0];
        Assert.That(rolling.NextSpi, Is.Not.Null);
        store.Fail = true;
        h.FromController(h.Engine.SetDirectory([], h.Now));
        h.Run();
        var after = h.Engine.Status(h.Now).Groups[0];
        Assert.That((after.CurrentSpi, after.NextSpi, after.NextFingerprint), Is.EqualTo((rolling.CurrentSpi, rolling.NextSpi, rolling.NextFingerprint)));
    }
}
