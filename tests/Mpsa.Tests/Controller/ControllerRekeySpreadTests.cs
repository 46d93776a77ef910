using Mpsa.Controller.Groups;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Controller;

/// <summary>A fleet that connected in one restart storm: the controller's own rekeys of 10,000 members spread over
/// the jitter window instead of coming back as a storm, and every member ends up rekeyed once.</summary>
public class ControllerRekeySpreadTests
{
    [Test]
    public void TenThousandMembersFromOneRestartStormRekeySpreadOverTheJitterWindow()
    {
        const int members = 10_000;
        var group = new GroupConfig("office", new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128), PrfId.PRF_HMAC_SHA2_256,
            TimeSpan.FromDays(2), TimeSpan.FromHours(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), true);
        var rekey = new RekeyPolicy(TimeSpan.FromHours(1), TimeSpan.FromHours(3), 10);
        using var harness = new ControllerHarness(members, group, rekey: rekey);
        var t0 = harness.Now;
        for (int i = 1; i <= members; i++)
        {
            harness.Connect(i);   // all at one instant of the virtual clock
        }
        Assert.That(harness.Engine.ConnectedCount, Is.EqualTo(members));
        var connected = harness.Engine.Status(harness.Now).Members;
        Assert.That(connected.Select(m => m.IkeRekeyInSeconds), Is.All.InRange(54 * 60, 60 * 60), "each member's rekey time drawn in 54-60 min");

        harness.AdvanceTo(t0 + TimeSpan.FromMinutes(61));

        var status = harness.Engine.Status(harness.Now);
        var rekeyedAt = status.Members.Select(m => 61 * 60 - m.IkeSaAgeSeconds!.Value).ToList();   // seconds after the storm
        int busiestSecond = rekeyedAt.GroupBy(t => t).Max(g => g.Count());
        TestContext.Out.WriteLine($"rekeys from {rekeyedAt.Min()} s to {rekeyedAt.Max()} s after the storm, at most {busiestSecond} in one second");
        Assert.Multiple(() =>
        {
            Assert.That(harness.Cpes.Count(c => c.Events.OfType<IkeSaRekeyed>().Count() == 1), Is.EqualTo(members), "every member rekeyed once");
            Assert.That(harness.Engine.ConnectedCount, Is.EqualTo(members));
            Assert.That(harness.Engine.IkeSaCount, Is.EqualTo(members), "the old IKE SAs deleted");
            Assert.That(rekeyedAt.Min(), Is.GreaterThanOrEqualTo(54 * 60));
            Assert.That(rekeyedAt.Max(), Is.LessThanOrEqualTo(60 * 60));
            Assert.That(busiestSecond, Is.LessThan(70), "360 s of window for 10,000 rekeys: 28 a second on average, random peaks " +
                "up to about twice that, never the storm of 10,000 at once");
            Assert.That(status.Members.Select(m => m.IkeRekeyInSeconds + m.IkeSaAgeSeconds), Is.All.InRange(54 * 60 - 1, 60 * 60 + 1),
                "the next round drawn afresh from each member's own rekey time");
        });
    }
}
