using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Controller.State;

/// <summary>When the engine writes its groups' state: before any member hears of a new SA, and again after a failure.</summary>
public class EngineStateTests
{
    /// <summary>Records each save and what the members had received by then; can be made to fail.</summary>
    private sealed class RecordingStore : IGroupStateStore
    {
        public ControllerHarness? Harness { get; set; }
        public bool Fail { get; set; }
        public bool MustStoreBeforePush { get; set; }
        public List<HashSet<EspSpi>> Saves { get; } = [];
        public List<string> Violations { get; } = [];

        public IReadOnlyDictionary<string, StoredGroup> Restored { get; } = new Dictionary<string, StoredGroup>();

        public void Save(IReadOnlyList<StoredGroup> groups, MonoTime now)
        {
            if (Fail)
            {
                throw new StateException("/nonexistent/controller.state: cannot write the state: disk full");
            }
            var spis = new HashSet<EspSpi>();
            foreach (var g in groups)
            {
                spis.Add(g.Current.Spi);
                if (g.Next is not null)
                {
                    spis.Add(g.Next.Spi);
                }
            }
            Saves.Add(spis);
            foreach (var cpe in Harness?.Cpes ?? [])
            {
                foreach (var put in cpe.Received)
                {
                    if (!Saves.Exists(s => s.Contains(put.Spi)))
                    {
                        Violations.Add($"{cpe.Member.Name} held SA {put.Spi} before it was saved");
                    }
                }
            }
        }
    }

    [Test]
    public void EveryNewSaIsSavedBeforeAnyMemberReceivesIt()
    {
        var store = new RecordingStore();
        using var h = new ControllerHarness(2, state: store);
        store.Harness = h;
        Assert.That(store.Saves, Has.Count.EqualTo(1), "the first SA is saved before the engine serves anyone");
        h.Connect(1);
        h.Connect(2);
        h.Run();
        h.Advance(h.Group.Lifetime);   // one rekey and its rollover, and the next rekey's start
        var received = h.Cpes.SelectMany(c => c.Received).Select(p => p.Spi).Distinct().ToList();

        Assert.That(received, Has.Count.GreaterThanOrEqualTo(2), "the members got the first SA and a rekey's");
        Assert.That(store.Violations, Is.Empty);
        Assert.That(received, Is.SubsetOf(store.Saves.SelectMany(s => s)));
        Assert.That(store.Saves.Count, Is.LessThan(10), "saved on changes, not on every datagram");
    }

    [Test]
    public void AFailedSaveIsLoggedAndTriedAgainWithoutTraffic()
    {
        var store = new RecordingStore();
        var log = new RecordingLogger();
        using var h = new ControllerHarness(1, log: log, state: store);
        store.Fail = true;
        h.Advance(h.Group.Lifetime - h.Group.RekeyMargin + TimeSpan.FromSeconds(1));   // a rekey: a new SA to save
        Assert.That(log.Count(509), Is.EqualTo(1));
        Assert.That(log.Lines.Single(l => l.EventId == 509).Text, Is.EqualTo(
            "cannot save the group state (/nonexistent/controller.state: cannot write the state: disk full); retry every 10 s "
            + "(this line at most once a minute): "
            + "a restart before it succeeds would give the groups new SAs"));
        int saves = store.Saves.Count;

        store.Fail = false;
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.That(store.Saves, Has.Count.EqualTo(saves + 1));
        Assert.That(log.Count(510), Is.EqualTo(1));
    }

    [Test]
    public void WhereTheSaMustBeStoredFirstARekeyWaitsForTheStoreAndTheCurrentSaStays()
    {
        var store = new RecordingStore { MustStoreBeforePush = true };
        var log = new RecordingLogger();
        using var h = new ControllerHarness(2, log: log, state: store);
        store.Harness = h;
        h.Connect(1);
        h.Connect(2);
        h.Run();
        var first = h.Engine.Status(h.Now).Groups[0].CurrentSpi;
        store.Fail = true;   // etcd without a quorum

        h.Advance(h.Group.Lifetime - h.Group.RekeyMargin + TimeSpan.FromMinutes(3));
        Assert.That(h.Cpes.SelectMany(c => c.Received).Select(p => p.Spi.ToString()).Distinct(), Is.EqualTo(new[] { first }),
            "no member hears of an SA that is not stored");
        Assert.That(h.Engine.Status(h.Now).Groups[0].CurrentSpi, Is.EqualTo(first));
        Assert.That(log.Count(511), Is.InRange(1, 4), "once a minute, not at every retry");

        store.Fail = false;
        h.Advance(TimeSpan.FromSeconds(11));
        var pushed = h.Cpes.SelectMany(c => c.Received).Select(p => p.Spi).Distinct().ToList();
        Assert.That(pushed, Has.Count.EqualTo(2), "the rekey happens once the store is back");
        Assert.That(store.Violations, Is.Empty);
    }
}
