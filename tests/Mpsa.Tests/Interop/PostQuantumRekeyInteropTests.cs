namespace Mpsa.Tests.Interop;

/// <summary>
/// Rekeys of a hybrid X25519 + ML-KEM-768 IKE SA with strongSwan 6 (RFC 9370 §2.2.4): CREATE_CHILD_SA carries the X25519
/// exchange and N(ADDITIONAL_KEY_EXCHANGE), IKE_FOLLOWUP_KE on the old SA the ML-KEM one (its 1,184-byte key in two
/// fragments). Through tests/interop/run-interop-rekey.sh, charon rekeying our daemons and the agent rekeying charon:
/// the new IKE SA is post-quantum at charon (`KE1_ML_KEM_768`), charon's log shows the IKE_FOLLOWUP_KE exchange on the
/// old SA, and our daemon's keys are the SK_* charon derived from both secrets (the key fingerprint).
/// </summary>
public class PostQuantumRekeyInteropTests() : InteropTest(Charon.StrongSwan6)
{
    private static readonly Dictionary<string, string> CharonProposals = new()
    {
        ["aes256-sha256-x25519-ke1_mlkem768"] = "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519/KE1_ML_KEM_768",
        ["chacha20poly1305-prfsha256-x25519-ke1_mlkem768"] = "CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519/KE1_ML_KEM_768",
    };

    private static IEnumerable<string> HybridSuites() => CharonProposals.Keys;

    [TestCaseSource(nameof(HybridSuites))]
    public void CharonSixRekeysTheAgentsHybridIkeSa(string suite)
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-rekey-ike", suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon-rekey-ike {suite}: {ev.Reason}");
        var (before, after) = Rekeyed(ev, "hub", suite);
        var status = ev.Status("agent");
        Assert.Multiple(() =>
        {
            RekeyInteropTests.Proof(ev, "hub", before.UniqueId, @"generating IKE_FOLLOWUP_KE request \d+ \[ KE N\(ADD_KE\) \]", "charon's IKE_FOLLOWUP_KE");
            RekeyInteropTests.Proof(ev, "hub", before.UniqueId, @"parsed IKE_FOLLOWUP_KE response \d+ \[ KE \]", "the agent's answer");
            Assert.That(new[] { Str(status, "ike_sa", "spi_i"), Str(status, "ike_sa", "spi_r") }, Is.EqualTo(new[] { after.SpiI, after.SpiR }), "agent ike_sa SPIs");
            Assert.That(Str(status, "ike_sa", "key_exchange"), Is.EqualTo("x25519+mlkem768"), "agent ike_sa.key_exchange after the rekey");
            Assert.That(Str(status, "ike_sa", "key_fingerprint"), Is.EqualTo(RekeyInteropTests.RekeyedKeyFingerprint(ev, "hub", after.UniqueId)),
                "agent ike_sa.key_fingerprint vs SHA-256(SK_*) charon 6 derived for the new IKE SA: SKEYSEED = prf(SK_d, g^ir | Ni | Nr | SK(1))");
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [Test]
    public void TheAgentRekeysItsHybridIkeSaWithCharonSix()
    {
        const string suite = "chacha20poly1305-prfsha256-x25519-ke1_mlkem768";
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-rekeys-charon-ike", suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-rekeys-charon-ike {suite}: {ev.Reason}");
        var (before, after) = Rekeyed(ev, "hub", suite);
        var status = ev.Status("agent");
        Assert.Multiple(() =>
        {
            RekeyInteropTests.Proof(ev, "hub", before.UniqueId, @"parsed CREATE_CHILD_SA request \d+ \[ SA No KE \]", "the agent's rekey request");
            RekeyInteropTests.Proof(ev, "hub", before.UniqueId, @"generating CREATE_CHILD_SA response \d+ \[ SA No KE N\(ADD_KE\) \]", "charon asks for the additional exchange");
            RekeyInteropTests.Proof(ev, "hub", before.UniqueId, @"parsed IKE_FOLLOWUP_KE request \d+ \[ N\(ADD_KE\) KE \]", "the agent's IKE_FOLLOWUP_KE");
            RekeyInteropTests.Proof(ev, "hub", before.UniqueId, @"generating IKE_FOLLOWUP_KE response \d+ \[ KE \]", "charon's answer");
            RekeyInteropTests.Proof(ev, "hub", before.UniqueId, $@"received DELETE for IKE_SA mpsa\[{before.UniqueId}\]$", "the agent deletes the old IKE SA");
            Assert.That(new[] { Str(status, "ike_sa", "spi_i"), Str(status, "ike_sa", "spi_r") }, Is.EqualTo(new[] { after.SpiI, after.SpiR }), "agent ike_sa SPIs");
            Assert.That(Str(status, "ike_sa", "key_fingerprint"), Is.EqualTo(RekeyInteropTests.RekeyedKeyFingerprint(ev, "hub", after.UniqueId)),
                "agent ike_sa.key_fingerprint vs SHA-256(SK_*) charon 6 derived for the new IKE SA");
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [TestCaseSource(nameof(HybridSuites))]
    public void CharonSixRekeysItsHybridIkeSaWithTheController(string suite)
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-rekey-ike", suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller-rekey-ike {suite}: {ev.Reason}");
        var (before, after) = Rekeyed(ev, "cpe", suite);
        var member = ev.Status("controller").GetProperty("members")[0];
        Assert.Multiple(() =>
        {
            RekeyInteropTests.Proof(ev, "cpe", before.UniqueId, @"parsed CREATE_CHILD_SA response \d+ \[ SA No KE N\(ADD_KE\) \]", "the controller asks for the additional exchange");
            RekeyInteropTests.Proof(ev, "cpe", before.UniqueId, @"generating IKE_FOLLOWUP_KE request \d+ \[ KE N\(ADD_KE\) \]", "charon's IKE_FOLLOWUP_KE");
            RekeyInteropTests.Proof(ev, "cpe", before.UniqueId, @"parsed IKE_FOLLOWUP_KE response \d+ \[ KE \]", "the controller's answer");
            Assert.That(Str(member, "ike_key_exchange"), Is.EqualTo("x25519+mlkem768"), "controller member ike_key_exchange after the rekey");
            Assert.That(Str(member, "ike_key_fingerprint"), Is.EqualTo(RekeyInteropTests.RekeyedKeyFingerprint(ev, "cpe", after.UniqueId)),
                "controller member ike_key_fingerprint vs SHA-256(SK_*) charon 6 derived for the new IKE SA");
            Assert.That(Str(member, "state"), Is.EqualTo("connected"), "controller member state");
            AssertStoppedCleanly(ev, "controller");
            AssertNoErrorsLogged(ev, "controller");
        });
    }

    /// <summary>charon's IKE SA before and after the rekey; the new one hybrid, with new SPIs, and printed as evidence.</summary>
    private static (SwanctlSas.Ike Before, SwanctlSas.Ike After) Rekeyed(Evidence ev, string instance, string suite)
    {
        var before = SingleIkeSa(ev.ListSas(instance + "-before"), $"charon 6 {instance} before the rekey");
        var after = SingleIkeSa(ev.ListSas(instance), $"charon 6 {instance} after the rekey (the old IKE SA deleted)");
        TestContext.Out.WriteLine($"charon 6 {instance}: #{before.UniqueId} {before.SpiI}_i {before.SpiR}_r {before.Proposal} -> #{after.UniqueId} {after.SpiI}_i {after.SpiR}_r {after.Proposal}");
        Assert.Multiple(() =>
        {
            Assert.That((before.Proposal, after.Proposal), Is.EqualTo((CharonProposals[suite], CharonProposals[suite])), "charon 6: both IKE SAs are hybrid");
            Assert.That(after.UniqueId, Is.GreaterThan(before.UniqueId), "charon 6: a new IKE SA");
            Assert.That(new[] { after.SpiI, after.SpiR }, Has.None.AnyOf(before.SpiI, before.SpiR), "charon 6: new SPIs");
            Assert.That(after.State, Is.EqualTo("ESTABLISHED"));
            Assert.That(after.Children.Select(c => c.State), Is.EqualTo(new[] { "INSTALLED" }), "charon 6: the CHILD_SA moved to the new IKE SA");
        });
        return (before, after);
    }
}
