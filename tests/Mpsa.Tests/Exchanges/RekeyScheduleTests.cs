using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Tests.Exchanges;

/// <summary>When the daemons rekey (RFC 7296 §2.8): strongSwan's defaults, jitter that spreads a restart storm.</summary>
public class RekeyScheduleTests
{
    [Test]
    public void DefaultsToStrongSwansFourHoursOneHourAndTenPercent()
    {
        Assert.That(RekeyPolicy.Default, Is.EqualTo(new RekeyPolicy(TimeSpan.FromHours(4), TimeSpan.FromHours(1), 10)));
        Assert.That(RekeyPolicy.Default.ChildHardLifetime, Is.EqualTo(TimeSpan.FromMinutes(66)));
    }

    [Test]
    public void SpreadsTenThousandSasMadeAtOneInstantOverTheJitterWindow()
    {
        var random = new SeededRandom(1);
        var now = new MonoTime(1_000_000);
        var times = Enumerable.Range(0, 10_000).Select(_ =>
        {
            var s = new RekeySchedule(RekeyPolicy.Default, random);
            s.IkeSaMade(now);
            return (s.IkeRekeyAt!.Value - now).TotalSeconds;
        }).ToList();

        // 4 h less up to 10 %: between 3 h 36 min and 4 h, spread evenly (no second carries more than a handful)
        Assert.That(times.Min(), Is.GreaterThanOrEqualTo(4 * 3600 * 0.9));
        Assert.That(times.Max(), Is.LessThanOrEqualTo(4 * 3600));
        Assert.That(times.Max() - times.Min(), Is.GreaterThan(4 * 3600 * 0.099));
        int busiestSecond = times.GroupBy(t => (long)t).Max(g => g.Count());
        Assert.That(busiestSecond, Is.LessThan(25), "1,440 s of window for 10,000 rekeys: about 7 a second");
    }

    [Test]
    public void TakesTheIkeSaFirstWaitsForTheOutcomeAndRetriesAFailureLater()
    {
        var s = new RekeySchedule(new RekeyPolicy(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10), 0), SystemRandom.Instance);
        var t0 = new MonoTime(0);
        s.IkeSaMade(t0);
        s.ChildSaMade(t0);
        var due = t0 + TimeSpan.FromMinutes(10);
        Assert.That(s.NextDeadline, Is.EqualTo(due));
        Assert.That(s.Take(due + TimeSpan.FromMilliseconds(-1)), Is.EqualTo(RekeyDue.None));
        Assert.That(s.Take(due), Is.EqualTo(RekeyDue.IkeSa));
        Assert.That(s.Take(due), Is.EqualTo(RekeyDue.ChildSa));
        Assert.That(s.Take(due), Is.EqualTo(RekeyDue.None), "both wait for their outcome");
        Assert.That(s.NextDeadline, Is.Null);

        s.Failed(RekeyDue.ChildSa, due);
        Assert.That(s.NextDeadline, Is.EqualTo(due + RekeyPolicy.RetryAfterFailure));
        s.IkeSaMade(due);   // the IKE SA rekey succeeded
        Assert.That(s.NextDeadline, Is.EqualTo(due + RekeyPolicy.RetryAfterFailure));
    }

    [Test]
    public void RekeysTheChildSaAtOnceWhenTheKernelsSoftExpireComesFirst()
    {
        var s = new RekeySchedule(RekeyPolicy.Default, SystemRandom.Instance);
        var t0 = new MonoTime(0);
        s.IkeSaMade(t0);
        s.ChildSaMade(t0);
        var soft = t0 + TimeSpan.FromMinutes(20);
        s.ChildSaExpiring(soft);
        Assert.That(s.Take(soft), Is.EqualTo(RekeyDue.ChildSa));
    }

    [Test]
    public void ReauthenticatesOnlyWhenAskedBeforeTheIkeRekeyAndNotAfterARekey()
    {
        var t0 = new MonoTime(0);
        var off = new RekeySchedule(RekeyPolicy.Default, SystemRandom.Instance);
        off.Authenticated(t0);
        Assert.That(off.ReauthAt, Is.Null, "reauth_time is off by default");

        var policy = new RekeyPolicy(TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), 0) { ReauthTime = TimeSpan.FromMinutes(10) };
        var s = new RekeySchedule(policy, SystemRandom.Instance);
        s.Authenticated(t0);
        var due = t0 + TimeSpan.FromMinutes(10);
        Assert.That(s.ReauthAt, Is.EqualTo(due));
        Assert.That(s.Take(due), Is.EqualTo(RekeyDue.Reauthentication), "before the IKE SA rekey due at the same time");
        Assert.That(s.Take(due), Is.EqualTo(RekeyDue.None), "no IKE SA rekey while the reauthentication replaces the SA");
        s.Failed(RekeyDue.Reauthentication, due);
        Assert.That(s.ReauthAt, Is.EqualTo(due + RekeyPolicy.RetryAfterFailure));
        s.IkeSaMade(due);   // a rekey does not reauthenticate
        Assert.That(s.ReauthAt, Is.EqualTo(due + RekeyPolicy.RetryAfterFailure));
        Assert.That(s.AuthenticatedAt, Is.EqualTo(t0));
    }

    [Test]
    public void ReauthenticatesTenToTwentyPercentBeforeTheRespondersAuthLifetime()
    {
        var random = new SeededRandom(3);
        var t0 = new MonoTime(0);
        var lifetime = TimeSpan.FromHours(1);
        var times = Enumerable.Range(0, 1000).Select(_ =>
        {
            var s = new RekeySchedule(RekeyPolicy.Default, random);
            s.Authenticated(t0);
            s.PeerAuthLifetime(t0, lifetime);
            return (s.ReauthAt!.Value - t0).TotalMinutes;
        }).ToList();
        Assert.That(times.Min(), Is.GreaterThanOrEqualTo(48));
        Assert.That(times.Max(), Is.LessThanOrEqualTo(54));
        Assert.That(times.Max() - times.Min(), Is.GreaterThan(5), "spread");

        var ownEarlier = new RekeySchedule(RekeyPolicy.Default with { ReauthTime = TimeSpan.FromMinutes(30), JitterPercent = 0 }, random);
        ownEarlier.Authenticated(t0);
        ownEarlier.PeerAuthLifetime(t0, lifetime);
        Assert.That(ownEarlier.ReauthAt, Is.EqualTo(t0 + TimeSpan.FromMinutes(30)), "our own reauth_time when it comes first");
    }
}
