using System.Text.Json;
using Mpsa.Controller;
using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Controller;

/// <summary>A group SA never expires unnoticed: an overdue rekey shows in `status` and in the log, once a minute.</summary>
public class RekeyOverdueTests
{
    private const int RekeyOverdueEvent = 513;

    /// <summary>A cluster's store (the SA must be stored before any member hears of it) that can be made to fail.</summary>
    private sealed class FailingStore : IGroupStateStore
    {
        public bool Fail { get; set; }
        public bool MustStoreBeforePush => true;
        public IReadOnlyDictionary<string, StoredGroup> Restored { get; } = new Dictionary<string, StoredGroup>();

        public void Save(IReadOnlyList<StoredGroup> groups, MonoTime now)
        {
            if (Fail)
            {
                throw new StateException("etcd unavailable: no answer within 3 s");
            }
        }
    }

    [Test]
    public void ALeaderThatCannotStoreTheNewSaWarnsInStatusAndOnceAMinuteInTheLog()
    {
        var store = new FailingStore();
        var log = new RecordingLogger();
        using var h = new ControllerHarness(1, log: log, state: store);
        h.Connect(1);
        h.Run();
        string spi = Group(h).CurrentSpi;
        store.Fail = true;

        // 600 s lifetime, rekey 120 s before: due at 480 s, overdue 5 s later
        h.Advance(TimeSpan.FromSeconds(484));
        Assert.That(Group(h).Warning, Is.Null, "a rekey a few seconds late is not overdue yet");
        h.Advance(TimeSpan.FromSeconds(2));
        Assert.That(Group(h).Warning, Is.EqualTo($"rekey overdue: SA {spi} expires in 114s and no next SA exists; "
            + "the new SA cannot be stored (etcd unavailable: no answer within 3 s): no rekey until it can"));
        Assert.That(h.Engine.Status(h.Now).ToText(), Does.Contain($"\n  warning: rekey overdue: SA {spi} expires in 114s"));
        using (var json = JsonDocument.Parse(ControllerCli.StatusText(h.Engine.Status(h.Now), json: true)))
        {
            Assert.That(json.RootElement.GetProperty("groups")[0].GetProperty("warning").GetString(), Is.EqualTo(Group(h).Warning));
        }
        Assert.That(log.Count(RekeyOverdueEvent), Is.EqualTo(1));
        Assert.That(log.Lines.Single(l => l.EventId == RekeyOverdueEvent).Text, Is.EqualTo(
            $"group office: rekey overdue, SA {spi} expires in 115 s and no next SA exists: the new SA cannot be stored "
            + "(etcd unavailable: no answer within 3 s): no rekey until it can (this line at most once a minute)"));

        h.Advance(TimeSpan.FromSeconds(100));
        Assert.That(log.Count(RekeyOverdueEvent), Is.EqualTo(2), "once a minute while it lasts, not at every retry");
        Assert.That(Group(h).Warning, Does.Contain("expires in 14s"));

        store.Fail = false;
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.That(Group(h).NextSpi, Is.Not.Null, "the rekey happens once the store is back");
        Assert.That(Group(h).Warning, Is.Null);
    }

    [Test]
    public void AFollowingReplicaWarnsWhenTheLeaderHasNotRekeyedAndSaysWhenEtcdCannotBeRead()
    {
        var log = new RecordingLogger();
        using var h = new ControllerHarness(1, log: log, state: new FailingStore());
        h.Engine.SetLeading(false);
        string spi = Group(h).CurrentSpi;

        h.Advance(TimeSpan.FromSeconds(486));
        Assert.That(Group(h).Warning, Is.EqualTo(
            $"rekey overdue: SA {spi} expires in 114s and no next SA exists; this replica is not the key leader, and the leader has not rekeyed"));
        h.Engine.FollowFailed("etcd unavailable: no answer within 3 s");
        Assert.That(Group(h).Warning, Does.EndWith("; etcd unreachable (etcd unavailable: no answer within 3 s): no rekey until it is back"));
        h.Advance(TimeSpan.FromSeconds(30));
        Assert.That(log.Count(RekeyOverdueEvent), Is.EqualTo(1));
        Assert.That(Group(h).NextSpi, Is.Null, "a replica that does not lead makes no SA");

        h.Engine.FollowFailed(null);
        h.Engine.SetLeading(true);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.That(Group(h).NextSpi, Is.Not.Null, "the new leader rekeys at once");
        Assert.That(Group(h).Warning, Is.Null);
    }

    private static GroupStatus Group(ControllerHarness h) => h.Engine.Status(h.Now).Groups.Single();
}
