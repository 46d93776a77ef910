using System.Net;
using System.Security.Cryptography;
using Mpsa.Agent.GroupSa;
using Mpsa.Netlink.Kernel;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Agent;

/// <summary>
/// draft-mpsa §3.3.2 (CPE) and §3.3.3 (rekeying) on a virtual clock: every assertion is on what the InMemoryKernel
/// holds at that instant. SPIs: A = c0000001, B = c0000002, C = c0000003.
/// </summary>
public class GroupSaManagerTests
{
    private const uint A = 0xc0000001, B = 0xc0000002, C = 0xc0000003;

    [Test]
    public void InstallsInboundAndOutboundAtOnceWhenNoSaExists()
    {
        using var rig = new GroupSaRig();
        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 3600, roll1: 30, roll2: 60));

        Assert.That(outcome.Accepted, Is.True);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 active" }));

        var inbound = rig.Kernel.FindState(new XfrmStateId(GroupSaRig.Local, new EspSpi(A)))!;
        Assert.That(inbound, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(inbound.Source, Is.Null, "inbound receives from every member");
            Assert.That(inbound.ReplayWindow, Is.Zero, "many senders share one sequence space");
            Assert.That(inbound.ReqId, Is.EqualTo(KernelDataPlaneOptions.DefaultReqId));
            Assert.That(inbound.Mode, Is.EqualTo(XfrmMode.Tunnel));
            Assert.That(inbound.Direction, Is.EqualTo(XfrmDirection.In));
            Assert.That(inbound.HardLifetimeSeconds, Is.EqualTo(3600), "the kernel's hard lifetime is LIFE");
        });
        var outbound = rig.Kernel.FindState(new XfrmStateId(GroupSaRig.Peer2, new EspSpi(A)))!;
        Assert.Multiple(() =>
        {
            Assert.That(outbound.Source, Is.EqualTo(GroupSaRig.Local));
            Assert.That(outbound.ReplayWindow, Is.Zero);
            Assert.That(outbound.Direction, Is.EqualTo(XfrmDirection.Out));
            Assert.That(outbound.EncrKey.Span.SequenceEqual(inbound.EncrKey.Span), "same keys both ways");
            Assert.That(outbound.IntegKey.Span.SequenceEqual(inbound.IntegKey.Span), "same keys both ways");
        });
        Assert.That(rig.Manager.NextDeadline, Is.EqualTo(new MonoTime(3_600_000)), "only LIFE is left to do");
    }

    [Test]
    public void RollsOverOutboundAtRoll1AndRemovesOldInboundAtRoll2()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.AdvanceTo(1000);

        // t = 0: B arrives; its inbound goes in at once, A keeps sending.
        Assert.That(rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 30, roll2: 60)).Accepted, Is.True);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 active", "c0000002 pending" }));
        Assert.That(rig.Manager.NextDeadline, Is.EqualTo(new MonoTime(1_030_000)));

        rig.AdvanceTo(1000 + 29.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false))));

        // ROLL1: B sends, A's outbound goes, A's inbound stays for members that have not switched yet.
        rig.AdvanceTo(1000 + 30);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, true))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 draining", "c0000002 active" }));
        Assert.That(rig.Manager.NextDeadline, Is.EqualTo(new MonoTime(1_060_000)));

        rig.AdvanceTo(1000 + 59.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, true))));

        // ROLL2: A's inbound goes.
        rig.AdvanceTo(1000 + 60);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, true))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000002 active" }));
        Assert.That(rig.Manager.NextDeadline, Is.EqualTo(new MonoTime(1_000_000 + 3_600_000)));
    }

    [Test]
    public void AddsNewOutboundBeforeDeletingOldOneAtRoll1()
    {
        using var rig = new GroupSaRig(peers: [GroupSaRig.Peer2]);
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 30, roll2: 60));
        rig.Trace.Clear();

        rig.AdvanceTo(30);

        // The kernel sends with the newest matching state, so add-then-delete leaves no gap.
        Assert.That(rig.Trace, Has.Count.EqualTo(2));
        Assert.That(rig.Trace[0], Does.StartWith("add state out src 192.0.2.1 dst 198.51.100.2 spi 0xc0000002"));
        Assert.That(rig.Trace[1], Is.EqualTo("delete state dst 198.51.100.2 spi 0xc0000001 esp"));
    }

    [Test]
    public void RemovesEverythingAtLifeWithoutReplacement()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 100));
        var sa = rig.Manager.Sas.Single();

        rig.AdvanceTo(99.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
        Assert.That(rig.Manager.Snapshot(rig.Now).Single().SecondsLeft, Is.EqualTo(1));

        rig.AdvanceTo(100);
        Assert.That(rig.Contents(), Is.Empty);
        Assert.That(rig.Manager.Sas, Is.Empty);
        Assert.That(rig.Manager.NextDeadline, Is.Null);
        Assert.Throws<ObjectDisposedException>(() => _ = sa.Keys.EncrKey.Span.Length, "keys are zeroed when the SA goes");
    }

    [Test]
    public void RemovesReplacedSaAtItsOwnLifeAndSendsWithSuccessorAtOnce()
    {
        // A has 20 s left when B arrives with ROLL1 30 s, ROLL2 60 s: A's LIFE is a hard cap (draft §3.3.2).
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 20, roll1: 5, roll2: 10));
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 30, roll2: 60));
        var inboundA = rig.Kernel.FindState(new XfrmStateId(GroupSaRig.Local, new EspSpi(A)))!;
        Assert.That(inboundA.HardLifetimeSeconds, Is.EqualTo(20), "the kernel drops A at its LIFE even if the agent dies");

        rig.AdvanceTo(19.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false))));

        // LIFE of A: A goes both ways; with no old SA left, B sends at once instead of waiting for its ROLL1.
        rig.AdvanceTo(20);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, true))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000002 active" }));
        var outboundB = rig.Kernel.FindState(new XfrmStateId(GroupSaRig.Peer2, new EspSpi(B)))!;
        Assert.That(outboundB.HardLifetimeSeconds, Is.EqualTo(3600 - 20), "what is left of B's LIFE when the state is added");
        Assert.That(rig.Failures, Is.Empty);
    }

    [Test]
    public void NeverExtendsLifeWhenTheSameSaIsPushedAgain()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 100));
        rig.AdvanceTo(90);
        int adds = rig.Trace.Count(l => l.StartsWith("add state", StringComparison.Ordinal));

        // The controller re-pushes after a reconnect; a longer lifetime must not keep the SA past its first LIFE.
        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 100));

        Assert.That(outcome.Refreshed, Is.EqualTo(new[] { new EspSpi(A) }));
        Assert.That(rig.Trace.Count(l => l.StartsWith("add state", StringComparison.Ordinal)), Is.EqualTo(adds), "not re-installed");
        Assert.That(rig.Kernel.FindState(new XfrmStateId(GroupSaRig.Local, new EspSpi(A)))!.HardLifetimeSeconds, Is.EqualTo(100));
        rig.AdvanceTo(99.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
        rig.AdvanceTo(100);
        Assert.That(rig.Contents(), Is.Empty, "the first LIFE still applies");
    }

    [Test]
    public void ShortensLifeWhenTheSameSaIsPushedWithLessTimeLeft()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 100));
        rig.AdvanceTo(10);
        Assert.That(rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 70)).Accepted, Is.True);
        rig.AdvanceTo(79.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
        rig.AdvanceTo(80);
        Assert.That(rig.Contents(), Is.Empty);
    }

    [Test]
    public void RejectsRepeatedSpiWithDifferentKeysAndKeepsInstalledSa()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        string fingerprint = rig.Manager.Snapshot(rig.Now).Single().Fingerprint;
        var before = rig.Trace.Count;

        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 9));

        Assert.That(outcome.Accepted, Is.False);
        Assert.That(outcome.Refusal!.Reason, Does.Contain("other keys"));
        Assert.That(rig.Trace, Has.Count.EqualTo(before), "the kernel was not touched");
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
        Assert.That(rig.Manager.Snapshot(rig.Now).Single().Fingerprint, Is.EqualTo(fingerprint));
    }

    [Test]
    public void RejectsRepeatedSpiWithSameKeyMaterialButOtherAlgorithms()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));

        var outcome = rig.Receive(GroupSaPuts.Make(A, EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, seed: 1));

        Assert.That(outcome.Accepted, Is.False);
        Assert.That(rig.Manager.Snapshot(rig.Now).Single().Suite, Is.EqualTo("aes256-sha256"));
    }

    [TestCase(EncrId.ENCR_AES_CTR, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, "cannot be installed")]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_MD5_96, PrfId.PRF_HMAC_SHA2_256, "cannot be installed")]
    [TestCase(EncrId.ENCR_AES_CBC, 512, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, "cannot be installed")]
    [TestCase(EncrId.ENCR_AES_GCM_16, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, "cannot be installed")]
    [TestCase(EncrId.ENCR_AES_CBC, null, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, "Key Length")]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_AES128_XCBC, "PRF")]
    [TestCase(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_MD5, "PRF")]
    public void RejectsAlgorithmThatCannotBeInstalledAndKeepsInstalledSa(EncrId encr, int? bits, IntegId integ, PrfId prf, string reason)
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));

        var outcome = rig.Receive(GroupSaPuts.Make(B, encr, bits, integ, prf, seed: 2));

        Assert.That(outcome.Accepted, Is.False);
        Assert.That(outcome.Refusal!.Reason, Does.Contain(reason));
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
    }

    [Test]
    public void RejectsSuiteOutsideTheConfiguredSetAndPrfOutsideWhatTheSystemComputes()
    {
        var policy = new MpsaPolicy
        {
            AllowedSuites = [new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128)],
            AllowedPrfs = [PrfId.PRF_HMAC_SHA2_256],
        };
        using var rig = new GroupSaRig(policy: policy);

        var otherSuite = rig.Receive(GroupSaPuts.Make(A, EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, seed: 1));
        var otherPrf = rig.Receive(GroupSaPuts.Make(A, EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_512, seed: 1));
        var allowed = rig.Receive(GroupSaPuts.Cbc(A, seed: 1));

        Assert.That(otherSuite.Refusal!.Reason, Does.Contain("not allowed by the configuration"));
        Assert.That(otherPrf.Refusal!.Reason, Does.Contain("PRF_HMAC_SHA2_512 cannot be computed on this system"));
        Assert.That(allowed.Accepted, Is.True);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
    }

    [Test]
    public void RejectsZeroLifetime()
    {
        using var rig = new GroupSaRig();
        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 0));

        Assert.That(outcome.Accepted, Is.False);
        Assert.That(outcome.Refusal!.Reason, Is.EqualTo("LIFE is 0"));
        Assert.That(rig.Contents(), Is.Empty);
        Assert.That(rig.Manager.NextDeadline, Is.Null);
    }

    [Test]
    public void RejectsRoll1LaterThanRoll2AndKeepsInstalledSa()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));

        var outcome = rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 61, roll2: 60));

        Assert.That(outcome.Accepted, Is.False);
        Assert.That(outcome.Refusal!.Reason, Does.Contain("ROLL1 (61s) is not before ROLL2 (60s)"));
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
    }

    [TestCase(EncrId.ENCR_AES_GCM_16, 256, "rfc4106(gcm(aes)) 288 icv 128")]
    [TestCase(EncrId.ENCR_AES_GCM_16, 128, "rfc4106(gcm(aes)) 160 icv 128")]
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, null, "rfc7539esp(chacha20,poly1305) 288 icv 128")]
    public void AcceptsCounterModeAeadOnlyWhenTheConfigSaysUnsafe(EncrId encr, int? bits, string xfrm)
    {
        using var strict = new GroupSaRig();
        var refused = strict.Receive(GroupSaPuts.Make(A, encr, bits, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, seed: 1));
        Assert.That(refused.Refusal?.Notify, Is.EqualTo(NotifyType.NO_PROPOSAL_CHOSEN));
        Assert.That(refused.Refusal!.Reason, Does.Contain("counter-mode AEAD"));
        Assert.That(strict.Contents(), Is.Empty);

        using var rig = new GroupSaRig(policy: new MpsaPolicy { AllowCounterModeAead = true });
        var outcome = rig.Receive(GroupSaPuts.Make(A, encr, bits, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, seed: 1));

        Assert.That(outcome.Accepted, Is.True);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
        var inbound = rig.Kernel.FindState(new XfrmStateId(GroupSaRig.Local, new EspSpi(A)))!;
        Assert.That(inbound.IntegKey.Length, Is.Zero);
        Assert.That(inbound.ToString(), Does.Contain(xfrm), "the salt travels at the end of the AEAD key");
    }

    [Test]
    public void SupersedesPendingSaWhenThirdArrivesBeforeItsRoll1()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 30, roll2: 60));
        rig.AdvanceTo(10);

        // C arrives while B is still pending: the newest wins, B never sends.
        Assert.That(rig.Receive(GroupSaPuts.Cbc(C, seed: 3, roll1: 30, roll2: 60)).Accepted, Is.True);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false), (C, true, false))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 active", "c0000002 draining", "c0000003 pending" }));

        rig.AdvanceTo(30);   // B's ROLL1 is void
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false), (C, true, false))));

        rig.AdvanceTo(39.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false), (C, true, false))));

        rig.AdvanceTo(40);   // C's ROLL1
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, false), (C, true, true))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 draining", "c0000002 draining", "c0000003 active" }));

        rig.AdvanceTo(69.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, false), (C, true, true))));

        rig.AdvanceTo(70);   // C's ROLL2: both older inbound states go
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((C, true, true))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000003 active" }));
    }

    [Test]
    public void RollsOnAgainWhenThirdArrivesWhileOldestDrains()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 30, roll2: 60));
        rig.AdvanceTo(45);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, true))));

        rig.Receive(GroupSaPuts.Cbc(C, seed: 3, roll1: 30, roll2: 60));
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, true), (C, true, false))));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 draining", "c0000002 active", "c0000003 pending" }));

        rig.AdvanceTo(60);   // B's ROLL2: A goes
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, true), (C, true, false))));

        rig.AdvanceTo(75);   // C's ROLL1
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, false), (C, true, true))));

        rig.AdvanceTo(104.999);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, false), (C, true, true))));
        rig.AdvanceTo(105);  // C's ROLL2
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((C, true, true))));
    }

    [Test]
    public void InstallsCurrentAndNextPushedTogetherToLateJoiner()
    {
        using var rig = new GroupSaRig();
        rig.AdvanceTo(500);

        // One INFORMATIONAL with the group's current SA (time left 50 s) and the next one.
        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 50, roll1: 0, roll2: 1),
            GroupSaPuts.Cbc(B, seed: 2, life: 3600, roll1: 20, roll2: 40));

        Assert.That(outcome.Installed, Is.EqualTo(new[] { new EspSpi(A), new EspSpi(B) }));
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false))), "send on what the group sends on now");
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 active", "c0000002 pending" }));

        rig.AdvanceTo(520);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, true))));
        rig.AdvanceTo(540);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, true))));
        Assert.That(rig.Manager.NextDeadline, Is.EqualTo(new MonoTime(500_000 + 3_600_000)));
    }

    [Test]
    public void ActivatesAtOnceWhenRoll1IsZero()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.AdvanceTo(5);

        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 0, roll2: 10));

        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, true))));
        rig.AdvanceTo(15);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, true))));
    }

    [Test]
    public void IgnoresSpuriousTimeouts()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2));
        int requests = rig.Trace.Count;

        for (int i = 0; i < 5; i++)
        {
            rig.Manager.OnTimeout(new MonoTime(29_999));
        }

        Assert.That(rig.Trace, Has.Count.EqualTo(requests));
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false))));
    }

    [Test]
    public void FingerprintIsSha256OfPrfPlusOutputComputedIndependently()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 4));

        // KEYMAT = prf+(SK_d, Nonce) with PRF_HMAC_SHA2_256 (RFC 7296 §2.13): T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02).
        // AES-CBC-256 takes 32 bytes, then HMAC-SHA2-256-128 takes 32 (RFC 4868 §2.1.1).
        byte[] skD = GroupSaPuts.SkD(4), nonce = GroupSaPuts.Nonce(4);
        using var hmac = new HMACSHA256(skD);
        byte[] t1 = hmac.ComputeHash([.. nonce, 0x01]);
        byte[] t2 = hmac.ComputeHash([.. t1, .. nonce, 0x02]);
        byte[] keymat = [.. t1, .. t2];
        string expected = Convert.ToHexStringLower(SHA256.HashData(keymat))[..16];

        Assert.That(rig.Manager.Snapshot(rig.Now).Single().Fingerprint, Is.EqualTo(expected));
        var inbound = rig.Kernel.FindState(new XfrmStateId(GroupSaRig.Local, new EspSpi(A)))!;
        Assert.That(inbound.EncrKey.Span.ToArray(), Is.EqualTo(keymat[..32]), "encryption key first");
        Assert.That(inbound.IntegKey.Span.ToArray(), Is.EqualTo(keymat[32..]), "then the integrity key");
    }

    [Test]
    public void SnapshotShowsSpiStateSecondsLeftSuiteAndFingerprint()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 3600));
        rig.AdvanceTo(100);
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, life: 3600, roll1: 30, roll2: 60));
        rig.AdvanceTo(130.5);

        var rows = rig.Manager.Snapshot(rig.Now);

        Assert.That(rows, Has.Count.EqualTo(2));
        Assert.That(rows[0].Spi, Is.EqualTo("c0000001"));
        Assert.That(rows[0].State, Is.EqualTo("draining"));
        Assert.That(rows[0].SecondsLeft, Is.EqualTo(30), "until B's ROLL2 at 160 s, rounded up");
        Assert.That(rows[1].State, Is.EqualTo("active"));
        Assert.That(rows[1].SecondsLeft, Is.EqualTo(3570), "until B's LIFE at 3700 s, rounded up");
        Assert.That(rows[1].Suite, Is.EqualTo("aes256-sha256"));
        Assert.That(rows[1].Fingerprint, Does.Match("^[0-9a-f]{16}$"));
        Assert.That(rows[1].Fingerprint, Is.Not.EqualTo(rows[0].Fingerprint));
    }

    [Test]
    public void NeverWritesKeyMaterialToTraceLogOrStrings()
    {
        var secrets = new List<byte[]>();
        using var rig = new GroupSaRig();
        for (byte seed = 1; seed <= 3; seed++)
        {
            secrets.Add(GroupSaPuts.SkD(seed));
            rig.Receive(GroupSaPuts.Cbc(A + seed - 1, seed, life: 200));
            rig.AdvanceTo(seed * 10);
        }
        rig.Receive(GroupSaPuts.Cbc(A, seed: 99));   // rejected: other keys
        var aead = GroupSaPuts.Make(0xc00000aa, EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, seed: 7);
        secrets.Add(GroupSaPuts.SkD(7));
        rig.Receive(aead);
        foreach (var state in rig.Kernel.States)
        {
            secrets.Add(state.EncrKey.Span.ToArray());
            secrets.Add(state.IntegKey.Span.ToArray());
        }
        var text = new List<string>(rig.Trace) { string.Join("\n", rig.Log) };
        text.AddRange(rig.Kernel.States.Select(s => s.ToString()));
        text.AddRange(rig.Manager.Sas.Select(s => s.ToString() + " " + s.Keys));
        text.AddRange(rig.Manager.Snapshot(rig.Now).Select(s => s.ToString()));
        rig.AdvanceTo(1000);
        rig.Manager.RemoveAll();
        text.AddRange(rig.Trace);
        string all = string.Join("\n", text);

        Assert.That(rig.Trace, Has.Some.StartsWith("add state in src any dst 192.0.2.1 spi 0xc0000001 esp cbc(aes) 256 hmac(sha256) 128"));
        Assert.That(rig.Trace, Has.Some.Contains(" fp "));
        foreach (var secret in secrets.Where(s => s.Length > 0))
        {
            foreach (string form in Forms(secret))
            {
                Assert.That(all, Does.Not.Contain(form).IgnoreCase);
            }
        }
    }

    /// <summary>Hex and base64 of the whole secret and of every 8-byte window of it.</summary>
    private static IEnumerable<string> Forms(byte[] secret)
    {
        yield return Convert.ToHexString(secret);
        yield return Convert.ToBase64String(secret);
        for (int i = 0; i + 8 <= secret.Length; i++)
        {
            yield return Convert.ToHexString(secret, i, 8);
        }
    }

    [Test]
    public void RemoveAllLeavesKernelEmpty()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2));
        rig.AdvanceTo(35);
        rig.Receive(GroupSaPuts.Cbc(C, seed: 3));
        var sas = rig.Manager.Sas.ToArray();
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, false), (B, true, true), (C, true, false))));

        rig.Manager.RemoveAll();

        Assert.That(rig.Kernel.States, Is.Empty);
        Assert.That(rig.Kernel.ListStates(rig.DataPlane.Ownership), Is.Empty);
        Assert.That(rig.Manager.NextDeadline, Is.Null);
        Assert.That(rig.Manager.Snapshot(rig.Now), Is.Empty);
        Assert.That(rig.Log, Is.Empty, "nothing was missing from the kernel");
        foreach (var sa in sas)
        {
            Assert.Throws<ObjectDisposedException>(() => _ = sa.Keys.IntegKey.Span.Length);
        }
    }

    [Test]
    public void DisposeZeroesKeysButLeavesKernelStatesToTheirHardLifetime()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        var sa = rig.Manager.Sas.Single();

        rig.Manager.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _ = sa.Keys.EncrKey.Span.Length);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))), "the kernel keeps its own copies");
        Assert.That(rig.Manager.NextDeadline, Is.Null);
    }

    [Test]
    public void InstallsOnlyInboundWhenNoPeersAreConfigured()
    {
        using var rig = new GroupSaRig(peers: []);
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2));

        Assert.That(rig.Contents(), Is.EqualTo(new[] { "in c0000001", "in c0000002" }));
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 active", "c0000002 pending" }), "the schedule runs all the same");
        rig.AdvanceTo(60);
        Assert.That(rig.Contents(), Is.EqualTo(new[] { "in c0000002" }));
    }

    [Test]
    public void RejectsSaWhenKernelRefusesInboundState()
    {
        using var refusing = new Support.FaultyKernel { Refuse = _ => true };
        var inner = refusing.Inner;
        using var rig = new GroupSaRig(kernel: refusing);

        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1));

        Assert.That(outcome.Accepted, Is.False);
        Assert.That(outcome.Refusal!.Reason, Does.Contain("kernel refused"));
        Assert.That(rig.Log, Has.Some.Contains("errno 12"));
        Assert.That(rig.Manager.Sas, Is.Empty);
        Assert.That(inner.States, Is.Empty);
    }
}
