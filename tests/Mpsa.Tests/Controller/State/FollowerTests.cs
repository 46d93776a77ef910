using Mpsa.Controller.Groups;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.Crypto;

namespace Mpsa.Tests.Controller.State;

/// <summary>A replica that is not the key leader: it serves the leader's SAs, switches when the leader's rollover says,
/// and finishes a rollover in progress with the same next SA when it takes over.</summary>
public class FollowerTests
{
    private static readonly GroupConfig Config = ControllerHarness.DefaultGroup();
    private static readonly MonoTime Start = new(1_000_000);

    private static GroupKeyManager Follower(GroupKeyManager leader, MonoTime now)
    {
        using var stored = leader.ToStored();
        return new GroupKeyManager(Config, new SeededRandom(99), now, stored) { Leading = false };
    }

    private static Mpsa.Ike.Wire.EspSpi? Adopt(GroupKeyManager follower, GroupKeyManager leader, MonoTime now)
    {
        using var stored = leader.ToStored();
        return follower.Adopt(stored, now)?.Spi;
    }

    [Test]
    public void AFollowerMakesNoSaAndHasNoDeadlineOfItsOwn()
    {
        using var leader = new GroupKeyManager(Config, new SeededRandom(1), Start);
        using var follower = Follower(leader, Start);
        Assert.That(follower.NextDeadline, Is.Null, "nothing to wake for: no busy loop past the rekey time");
        var late = follower.RekeyAt + TimeSpan.FromSeconds(5);
        Assert.That(follower.OnTimeout(late), Is.Null);
        Assert.That((follower.Current.Spi, follower.Next), Is.EqualTo((leader.Current.Spi, (GroupSa?)null)));
    }

    [Test]
    public void AFollowerTakesTheLeadersNextSaAndSwitchesWhenTheLeaderDoes()
    {
        using var leader = new GroupKeyManager(Config, new SeededRandom(2), Start);
        using var follower = Follower(leader, Start);
        var rekey = leader.RekeyAt;
        var next = leader.OnTimeout(rekey)!;

        Assert.That(Adopt(follower, leader, rekey + TimeSpan.FromMilliseconds(300)), Is.EqualTo(next.Spi), "new to its members: push it");
        Assert.That((follower.Next!.Fingerprint, follower.RolloverStartedAt), Is.EqualTo((next.Fingerprint, leader.RolloverStartedAt)));
        Assert.That(Adopt(follower, leader, rekey + TimeSpan.FromSeconds(1)), Is.Null, "nothing new the second time");

        var end = rekey + Config.Rollover2;
        Assert.That(follower.NextDeadline, Is.EqualTo(end));
        follower.OnTimeout(end);
        leader.OnTimeout(end);
        Assert.That((follower.Current.Spi, follower.Next), Is.EqualTo((next.Spi, (GroupSa?)null)));
        Assert.That(Adopt(follower, leader, end), Is.Null);
    }

    [Test]
    public void ANewLeaderFinishesTheRolloverInProgressWithTheSameNextSa()
    {
        using var leader = new GroupKeyManager(Config, new SeededRandom(3), Start);
        using var follower = Follower(leader, Start);
        var rekey = leader.RekeyAt;
        var next = leader.OnTimeout(rekey)!;
        Adopt(follower, leader, rekey);

        // The leader dies mid-rollover; the follower takes over.
        follower.Leading = true;
        Assert.That(follower.OnTimeout(rekey + TimeSpan.FromSeconds(10)), Is.Null, "no second rekey while one is in progress");
        Assert.That(follower.Next!.Spi, Is.EqualTo(next.Spi));
        follower.OnTimeout(rekey + Config.Rollover2);
        Assert.That(follower.Current.Spi, Is.EqualTo(next.Spi));

        var after = follower.OnTimeout(follower.RekeyAt);
        Assert.That(after, Is.Not.Null, "the new leader rekeys when the time comes");
        Assert.That(after!.Spi, Is.Not.EqualTo(next.Spi));
    }

    [Test]
    public void AFollowerThatMissedARolloverCatchesUp()
    {
        using var leader = new GroupKeyManager(Config, new SeededRandom(4), Start);
        using var follower = Follower(leader, Start);
        var rekey = leader.RekeyAt;
        var next = leader.OnTimeout(rekey)!;
        leader.OnTimeout(rekey + Config.Rollover2);   // the follower saw none of it (etcd unreachable from it)

        Assert.That(Adopt(follower, leader, rekey + Config.Rollover2), Is.EqualTo(next.Spi), "its members still need the SA");
        Assert.That((follower.Current.Spi, follower.Current.Fingerprint, follower.Next), Is.EqualTo((next.Spi, next.Fingerprint, (GroupSa?)null)));
    }
}
