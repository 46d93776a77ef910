using Mpsa.Controller.Groups;
using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.Crypto;

namespace Mpsa.Tests.Controller.State;

/// <summary>The standalone controller's state file: what a restart finds, and what it refuses.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class GroupStateStoreTests
{
    private static readonly MonoTime Start = new(1_000_000);
    private string _dir = "";
    private long _wallMs = 1_800_000_000_000;

    private string StateDir => Path.Combine(_dir, "state");
    private string KeyPath => Path.Combine(StateDir, GroupStateStore.KeyFileName);
    private string StatePath => Path.Combine(StateDir, GroupStateStore.FileName);

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("mpsa-state-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private GroupStateStore Open(MonoTime now, bool reset = false) => GroupStateStore.Open(StateDir, KeyPath, reset, now, () => _wallMs);

    /// <summary>A group mid-rollover saved at <see cref="Start"/>; returns its SPIs and fingerprints.</summary>
    private (GroupSa Current, GroupSa Next) SaveMidRollover(GroupKeyManager group)
    {
        var next = group.StartRekey(Start + TimeSpan.FromSeconds(5));
        using var store = Open(Start);
        var stored = group.ToStored();
        store.Save([stored], Start + TimeSpan.FromSeconds(5));
        stored.Dispose();
        return (group.Current, next);
    }

    [Test]
    public void ARestartServesTheSameSasWithTheTimeTheyHaveLeft()
    {
        var config = ControllerHarness.DefaultGroup();
        using var before = new GroupKeyManager(config, new SeededRandom(1), Start);
        var (current, next) = SaveMidRollover(before);

        // 20 s of wall-clock time later, on a monotonic clock that started again from a small value (a reboot).
        _wallMs += 20_000;
        var later = new MonoTime(5_000);
        using var store = Open(later);
        using var after = new GroupKeyManager(config, new SeededRandom(2), later, store.Restored[config.Name]);

        Assert.That(after.Restored, Is.True);
        Assert.That((after.Current.Spi, after.Current.Fingerprint, after.Next!.Spi, after.Next.Fingerprint),
            Is.EqualTo((current.Spi, current.Fingerprint, next.Spi, next.Fingerprint)));
        // Saved 5 s after Start, read 20 s later: everything is 20 s nearer, relative to the new clock.
        Assert.That(after.Current.ExpiresAt - later, Is.EqualTo(current.ExpiresAt - (Start + TimeSpan.FromSeconds(25))));
        Assert.That(after.RolloverStartedAt!.Value - later, Is.EqualTo(TimeSpan.FromSeconds(-20)));
        // The SPIs used before stay used: a new SA never takes one of them.
        var third = after.StartRekey(later);
        Assert.That(third.Spi, Is.Not.EqualTo(current.Spi).And.Not.EqualTo(next.Spi));
    }

    [Test]
    public void TheFileHoldsNoKeyInPlainTextAndOnlyItsOwnerMayReadIt()
    {
        var config = ControllerHarness.DefaultGroup();
        using var group = new GroupKeyManager(config, new SeededRandom(3), Start);
        var (current, next) = SaveMidRollover(group);

        byte[] file = File.ReadAllBytes(StatePath);
        foreach (var secret in new[] { current.SkD.Span.ToArray(), next.SkD.Span.ToArray(), current.Nonce, next.Nonce })
        {
            Assert.That(file.AsSpan().IndexOf(secret), Is.EqualTo(-1), "a key or nonce in plain text");
            Assert.That(file.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(secret))), Is.EqualTo(-1));
            Assert.That(file.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(secret))), Is.EqualTo(-1));
        }
        Assert.That(File.GetUnixFileMode(StatePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(KeyPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.ReadAllText(KeyPath), Does.Match("^[0-9a-f]{64}\n$"));
        Assert.That(Directory.GetFiles(StateDir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "controller.state", "controller.lock", "state.key" }),
            "the temporary file of the atomic write is gone");
    }

    [TestCase("flip")]
    [TestCase("truncate")]
    [TestCase("empty")]
    [TestCase("other key")]
    public void AFileThatCannotBeAuthenticatedIsRefusedWithTheWayOut(string damage)
    {
        using (var group = new GroupKeyManager(ControllerHarness.DefaultGroup(), new SeededRandom(4), Start))
        {
            SaveMidRollover(group);
        }
        byte[] file = File.ReadAllBytes(StatePath);
        switch (damage)
        {
            case "flip":
                file[file.Length / 2] ^= 0x01;
                File.WriteAllBytes(StatePath, file);
                break;
            case "truncate":
                File.WriteAllBytes(StatePath, file[..(file.Length - 7)]);
                break;
            case "empty":
                File.WriteAllBytes(StatePath, []);
                break;
            default:
                File.WriteAllText(KeyPath, new string('a', 64) + "\n");
                break;
        }
        var e = Assert.Throws<StateException>(() => Open(Start).Dispose())!;
        Assert.That(e.Message, Does.StartWith(StatePath + ": ").And.Contain("--reset-state"));
        Assert.That(e.Message, damage == "empty" ? Does.Contain("truncated") : Does.Contain("cannot be authenticated"));

        // Told to, the controller starts afresh and keeps the refused file beside.
        using var reset = Open(Start, reset: true);
        Assert.That(reset.Restored, Is.Empty);
        Assert.That(reset.ResetTo, Is.EqualTo(StatePath + ".reset"));
        Assert.That(File.Exists(StatePath + ".reset"), Is.True);
    }

    [Test]
    public void AStateFileWithoutItsKeyIsRefused()
    {
        using (var group = new GroupKeyManager(ControllerHarness.DefaultGroup(), new SeededRandom(5), Start))
        {
            SaveMidRollover(group);
        }
        File.Delete(KeyPath);
        var e = Assert.Throws<StateException>(() => Open(Start).Dispose())!;
        Assert.That(e.Message, Does.Contain("no state key").And.Contain(KeyPath).And.Contain("--reset-state"));
        Assert.That(File.Exists(KeyPath), Is.False, "no new key is made over a state file that needs the old one");
    }

    [Test]
    public void AKeyOthersCanReadIsRefused()
    {
        Open(Start).Dispose();
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var e = Assert.Throws<StateException>(() => Open(Start).Dispose())!;
        Assert.That(e.Message, Is.EqualTo($"the state key {KeyPath} has mode 0604, which lets group or others read it (chmod 600)"));
    }

    [Test]
    [Category("EndToEnd")]
    public void CheckConfigRefusesAStateKeyOthersCanRead()
    {
        string config = Path.Combine(_dir, "controller.conf");
        File.WriteAllText(config, $"[controller]\nidentity = controller.test\nstate_dir = {StateDir}\n[group g]\n[member m]\nidentity = m.test\npsk = \"a psk\"\ngroup = g\n");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var missing = EndToEnd.Daemon.Run("mpsa-controller", "check-config", "--config", config);
        Assert.That((missing.ExitCode, missing.Out.Trim()), Is.EqualTo((0, "configuration OK")), "no key yet: the first start makes it");

        Open(Start).Dispose();
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var (code, output, error) = EndToEnd.Daemon.Run("mpsa-controller", "check-config", "--config", config);
        Assert.That(code, Is.EqualTo(78), output + error);
        Assert.That(error.Trim(), Is.EqualTo($"{config}:1: state_key: the state key {KeyPath} has mode 0640, which lets group or others read it (chmod 600)"));
    }

    [Test]
    public void TwoControllersCannotShareTheDirectory()
    {
        using var first = Open(Start);
        var e = Assert.Throws<StateException>(() => Open(Start).Dispose())!;
        Assert.That(e.Message, Does.Contain("in use by another mpsa-controller"));
        first.Dispose();
        Open(Start).Dispose();
    }

    [Test]
    public void ASuiteChangeOrAnExpiredSaGivesANewSaAndSaysWhy()
    {
        var config = ControllerHarness.DefaultGroup();
        using (var group = new GroupKeyManager(config, new SeededRandom(6), Start))
        {
            SaveMidRollover(group);
        }
        using var store = Open(Start);
        var stored = store.Restored[config.Name];

        var otherPrf = config with { Prf = Ike.Wire.PrfId.PRF_HMAC_SHA2_512 };
        using var changed = new GroupKeyManager(otherPrf, new SeededRandom(7), Start, stored);
        Assert.That((changed.Restored, changed.NotRestoredBecause), Is.EqualTo((false, $"its SA {stored.Current.Spi} uses aes256-sha256 and prfsha256, the configuration now aes256-sha256 and prfsha512")));
        Assert.That(changed.Current.Spi, Is.Not.EqualTo(stored.Current.Spi).And.Not.EqualTo(stored.Next!.Spi));

        var afterLife = stored.Next!.ExpiresAt + TimeSpan.FromSeconds(1);
        using var expired = new GroupKeyManager(config, new SeededRandom(8), afterLife, stored);
        Assert.That(expired.NotRestoredBecause, Is.EqualTo($"its SA {stored.Next.Spi} expired while the controller was stopped"));

        // Stopped through the end of the rollover: the next SA is the one served.
        var afterRollover = stored.RolloverStartedAt!.Value + config.Rollover2 + TimeSpan.FromSeconds(1);
        using var rolled = new GroupKeyManager(config, new SeededRandom(9), afterRollover, stored);
        rolled.OnTimeout(afterRollover);
        Assert.That((rolled.Restored, rolled.Current.Spi, rolled.Next), Is.EqualTo((true, stored.Next.Spi, (GroupSa?)null)));
    }
}
