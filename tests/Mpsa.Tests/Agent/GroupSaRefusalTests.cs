using Mpsa.Agent.GroupSa;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Agent;

/// <summary>
/// Every MPSA_PUT the agent refuses outright (docs/PROTOCOL.md "Refusals"): the Notify it answers with, the SPI it
/// names, and an untouched kernel. SPIs: A = c0000001, B = c0000002, C = c0000003, D = c0000004.
/// </summary>
public class GroupSaRefusalTests
{
    private const uint A = 0xc0000001, B = 0xc0000002, C = 0xc0000003, D = 0xc0000004;

    [TestCase(0u)]
    [TestCase(1u)]
    [TestCase(255u)]
    public void RefusesReservedSpiWithInvalidSyntax(uint spi)
    {
        using var rig = new GroupSaRig();
        var outcome = rig.Receive(GroupSaPuts.Cbc(spi, seed: 1));
        AssertRefused(rig, outcome, NotifyType.INVALID_SYNTAX, spi, "reserved");
    }

    [Test]
    public void AcceptsTheFirstUnreservedSpi()
    {
        using var rig = new GroupSaRig();
        Assert.That(rig.Receive(GroupSaPuts.Cbc(256, seed: 1)).Accepted, Is.True);
    }

    [TestCase(TransformType.ESN)]
    [TestCase(TransformType.DH)]
    [TestCase((TransformType)6)]
    [TestCase((TransformType)240)]
    public void RefusesTransformTypesAMultiPointSaDoesNotUse(TransformType extra)
    {
        using var sent = GroupSaPuts.Cbc(A, seed: 1);
        using var decoded = MpsaPut.Decode(WithExtraTransform(sent.ToNotify(), extra));
        Assert.That(decoded.OtherTransforms, Is.EqualTo(new[] { extra }), "the decoder keeps what it does not use");

        using var rig = new GroupSaRig();
        var outcome = rig.Manager.Receive([decoded], peerSentVendorId: true, rig.Now);
        AssertRefused(rig, outcome, NotifyType.NO_PROPOSAL_CHOSEN, A, "transform type");
    }

    [TestCase(0u, 30u, 60u, "LIFE is 0")]
    [TestCase(3600u, 90u, 60u, "ROLL1 (90s) is not before ROLL2 (60s)")]
    [TestCase(3600u, 60u, 60u, "ROLL1 (60s) is not before ROLL2 (60s)")]
    [TestCase(60u, 30u, 60u, "ROLL2 (60s) is not before LIFE (60s)")]
    [TestCase(50u, 30u, 60u, "ROLL2 (60s) is not before LIFE (50s)")]
    public void RefusesTimersAgainstTheDraftWithInvalidSyntax(uint life, uint roll1, uint roll2, string reason)
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        var before = rig.Contents();

        var outcome = rig.Receive(GroupSaPuts.Cbc(B, seed: 2, life: life, roll1: roll1, roll2: roll2));

        Assert.That(outcome.Refusal?.Reason, Does.Contain(reason));
        AssertRefused(rig, outcome, NotifyType.INVALID_SYNTAX, B, reason, before);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AcceptsAnSaWhoseRolloverIsAlreadyOver(bool holdsAnOlderSa)
    {
        // ROLL1 = ROLL2 = 0: the controller pushes its current SA after the rollover (a member joining or coming back
        // late); with no older SA they have no meaning at all (draft §3.3.2)
        using var rig = new GroupSaRig();
        if (holdsAnOlderSa)
        {
            Assert.That(rig.Receive(GroupSaPuts.Cbc(A, seed: 1)).Accepted, Is.True);
        }
        Assert.That(rig.Receive(GroupSaPuts.Cbc(B, seed: 2, life: 30, roll1: 0, roll2: 0)).Accepted, Is.True);
    }

    [TestCase(EncrId.ENCR_AES_GCM_16, 256)]
    [TestCase(EncrId.ENCR_AES_GCM_16, 128)]
    [TestCase(EncrId.ENCR_CHACHA20_POLY1305, null)]
    public void RefusesCounterModeAeadForASharedSaUnlessTheConfigSaysUnsafe(EncrId encr, int? bits)
    {
        using var rig = new GroupSaRig();
        var outcome = rig.Receive(GroupSaPuts.Make(A, encr, bits, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, seed: 1));
        AssertRefused(rig, outcome, NotifyType.NO_PROPOSAL_CHOSEN, A, "unsafe_counter_mode_aead");
    }

    [Test]
    public void RefusesTheSameSpiWithOtherKeysAndKeepsTheInstalledSa()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        var before = rig.Contents();
        var fingerprint = rig.Manager.Sas.Single().Fingerprint;

        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 9));

        AssertRefused(rig, outcome, NotifyType.INVALID_SYNTAX, A, "other keys", before);
        Assert.That(rig.Manager.Sas.Single().Fingerprint, Is.EqualTo(fingerprint));
    }

    [Test]
    public void RefusesMpsaPutFromAPeerWithoutTheVendorIdUnlessConfiguredOtherwise()
    {
        using var strict = new GroupSaRig();
        using (var put = GroupSaPuts.Cbc(A, seed: 1))
        {
            var outcome = strict.Manager.Receive([put], peerSentVendorId: false, strict.Now);
            AssertRefused(strict, outcome, NotifyType.NO_PROPOSAL_CHOSEN, A, "Vendor ID");
        }

        using var lenient = new GroupSaRig(policy: new MpsaPolicy { RequireVendorId = false });
        using (var put = GroupSaPuts.Cbc(A, seed: 1))
        {
            Assert.That(lenient.Manager.Receive([put], peerSentVendorId: false, lenient.Now).Accepted, Is.True);
        }
        Assert.That(lenient.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true))));
    }

    [Test]
    public void RefusesAFourthGroupSaWithTemporaryFailureAndTakesItOnceTheOldestIsGone()
    {
        using var rig = new GroupSaRig();
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1));
        rig.AdvanceTo(100);
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 30, roll2: 60));
        rig.AdvanceTo(140);   // A drains until B's ROLL2 at 160
        rig.Receive(GroupSaPuts.Cbc(C, seed: 3, roll1: 30, roll2: 60));
        Assert.That(rig.Manager.Count, Is.EqualTo(3), "current, next and draining");
        var before = rig.Contents();

        var outcome = rig.Receive(GroupSaPuts.Cbc(D, seed: 4, roll1: 30, roll2: 60));
        AssertRefused(rig, outcome, NotifyType.TEMPORARY_FAILURE, D, "exceed 3", before);
        Assert.That(outcome.Refusal!.IsTransient, Is.True, "the controller may try again");

        rig.AdvanceTo(160);   // A is gone
        Assert.That(rig.Receive(GroupSaPuts.Cbc(D, seed: 4, roll1: 30, roll2: 60)).Accepted, Is.True);
        Assert.That(rig.Manager.Count, Is.EqualTo(3));
    }

    [Test]
    public void RefusesTheWholeMessageWhenOneOfItsSasIsInvalid()
    {
        using var rig = new GroupSaRig();
        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1), GroupSaPuts.Cbc(B, seed: 2, life: 40, roll1: 30, roll2: 60));
        AssertRefused(rig, outcome, NotifyType.INVALID_SYNTAX, B, "ROLL2");
        Assert.That(rig.Trace.Where(l => l.StartsWith("add state", StringComparison.Ordinal)), Is.Empty, "nothing was installed on the way");
    }

    [Test]
    public void UndoesTheFirstSaWhenTheKernelRefusesTheSecondOfOneMessage()
    {
        using var kernel = new Support.FaultyKernel { Refuse = s => s.Spi == new EspSpi(B) };
        using var rig = new GroupSaRig(kernel: kernel);
        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1), GroupSaPuts.Cbc(B, seed: 2));

        Assert.That(outcome.Refusal?.Notify, Is.EqualTo(NotifyType.TEMPORARY_FAILURE));
        Assert.That(outcome.Refusal!.Spi, Is.EqualTo(new EspSpi(B)));
        Assert.That(kernel.Inner.States, Is.Empty, "A went in and came out again: never half applied");
        Assert.That(rig.Manager.Count, Is.Zero);
        Assert.That(rig.Manager.NextDeadline, Is.Null);
    }

    [Test]
    public void RefusesWhenTheKernelRefusesTheFirstOutboundAndLeavesNoInbound()
    {
        using var kernel = new Support.FaultyKernel { Refuse = s => s.Source is not null && s.Destination.Equals(GroupSaRig.Peer3) };
        using var rig = new GroupSaRig(kernel: kernel);
        var outcome = rig.Receive(GroupSaPuts.Cbc(A, seed: 1));

        Assert.That(outcome.Refusal?.Notify, Is.EqualTo(NotifyType.TEMPORARY_FAILURE));
        Assert.That(kernel.Inner.States, Is.Empty, "the outbound to the first peer and the inbound were taken out again");
    }

    [Test]
    public void KeepsSendingWithTheOldSaWhenTheNewOutboundIsRefusedAtRoll1AndReportsIt()
    {
        using var kernel = new Support.FaultyKernel();
        using var rig = new GroupSaRig(kernel: kernel);
        kernel.NowMs = () => rig.Now.Milliseconds;
        rig.Receive(GroupSaPuts.Cbc(A, seed: 1, life: 200));
        rig.AdvanceTo(100);
        rig.Receive(GroupSaPuts.Cbc(B, seed: 2, roll1: 30, roll2: 60));
        kernel.Refuse = s => s.Spi == new EspSpi(B) && s.Source is not null;

        rig.AdvanceTo(130);   // B's ROLL1
        Assert.That(rig.Failures.Single().Spi, Is.EqualTo(new EspSpi(B)));
        Assert.That(rig.Failures.Single().Notify, Is.EqualTo(NotifyType.TEMPORARY_FAILURE));
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false))), "A keeps sending");
        Assert.That(rig.States(), Is.EqualTo(new[] { "c0000001 active", "c0000002 refused-outbound" }));

        rig.AdvanceTo(160);   // B's ROLL2 does not take A's inbound: A never stopped sending
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((A, true, true), (B, true, false))));

        // A's LIFE: A goes whatever happened; B is tried again and, refused again, reported again.
        rig.AdvanceTo(200);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, false))));
        Assert.That(rig.Failures, Has.Count.EqualTo(2));

        // The controller pushes B again; the kernel takes it now.
        kernel.Refuse = _ => false;
        Assert.That(rig.Receive(GroupSaPuts.Cbc(B, seed: 2, life: 3500, roll1: 0, roll2: 1)).Accepted, Is.True);
        Assert.That(rig.Contents(), Is.EqualTo(GroupSaRig.Expect((B, true, true))));
    }

    private static void AssertRefused(GroupSaRig rig, GroupSaOutcome outcome, NotifyType notify, uint spi, string reason, string[]? before = null)
    {
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Accepted, Is.False);
            Assert.That(outcome.Refusal?.Notify, Is.EqualTo(notify));
            Assert.That(outcome.Refusal?.Spi, Is.EqualTo(new EspSpi(spi)), "the Notify names the refused SA");
            Assert.That(outcome.Refusal?.Reason, Does.Contain(reason));
            Assert.That(rig.Contents(), Is.EqualTo(before ?? []), "the kernel is as it was");
        });
    }

    /// <summary>The same N(MPSA_PUT) with one more transform of <paramref name="type"/> (ID 1) before the last one.</summary>
    private static NotifyPayload WithExtraTransform(NotifyPayload notify, TransformType type)
    {
        var r = new IkeReader(notify.Data);
        var proposal = ProposalSubstructure.Decode(ref r, expectLast: true);
        var transforms = proposal.Transforms.ToList();
        transforms.Insert(3, new TransformSubstructure(type, 1, []));
        var grown = proposal with { Transforms = transforms };
        var data = new byte[grown.Length];
        var w = new IkeWriter(data);
        grown.Encode(ref w, isLast: true);
        return notify with { Data = data };
    }
}
