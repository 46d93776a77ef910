namespace Mpsa.Tests.Interop;

/// <summary>
/// Hybrid X25519 + ML-KEM-768 against strongSwan 6 (its ml plugin; built once into the tools cache by
/// packaging/build/strongswan6.sh), both directions: the ML-KEM exchange travels in IKE_INTERMEDIATE (charon's log),
/// both sides end with the same keys after the update (the key fingerprint against the SK_* charon derived last),
/// and both sides' AUTH, which covers the intermediate exchange, verifies (the IKE SA is ESTABLISHED). The ML-KEM key
/// does not fit 1,280 octets, so each side's initiator sends it in IKE fragments (RFC 7383) the other reassembles.
/// </summary>
public class PostQuantumInteropTests() : InteropTest(Charon.StrongSwan6)
{
    /// <summary>Each hybrid suite, with the name charon 6 gives it and the one our status gives it.</summary>
    private static readonly Dictionary<string, (string Charon, string Ours)> Hybrids = new()
    {
        ["aes256-sha256-x25519-ke1_mlkem768"] = ("AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519/KE1_ML_KEM_768",
            "aes256-sha256-prfsha256-x25519-ke1_mlkem768"),
        ["chacha20poly1305-prfsha256-x25519-ke1_mlkem768"] = ("CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519/KE1_ML_KEM_768",
            "chacha20poly1305-prfsha256-x25519-ke1_mlkem768"),
    };

    private static IEnumerable<string> HybridSuites() => Hybrids.Keys;

    [TestCaseSource(nameof(HybridSuites))]
    public void CharonSixConnectsToTheControllerWithMlKem(string suite)
    {
        var ev = RunOnce("charon-to-controller", suite).Evidence;
        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon 6 initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var log = ev.CharonLog("cpe");
        var member = ev.Status("controller").GetProperty("members")[0];
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller {suite}: {ev.Reason}");
            Assert.That(ev.Result["charon_version"], Does.StartWith("strongSwan 6."));
            Assert.That((ike.State, ike.Proposal), Is.EqualTo(("ESTABLISHED", Hybrids[suite].Charon)), "charon's IKE SA");
            Assert.That(log.Text, Does.Contain("generating IKE_INTERMEDIATE request 1 [ KE ]").And.Contains("parsed IKE_INTERMEDIATE response 1 [ KE ]"));
            // both announced IKE fragmentation: charon sends its 1184-byte ML-KEM key in two fragments, which the controller puts together
            Assert.That(log.Text, Does.Contain("received FRAGMENTATION_SUPPORTED notify")
                .And.Contains("generating IKE_INTERMEDIATE request 1 [ EF(1/2) ]").And.Contains("generating IKE_INTERMEDIATE request 1 [ EF(2/2) ]"));
            Assert.That(Str(member, "ike_key_exchange"), Is.EqualTo("x25519+mlkem768"), "controller member ike_key_exchange");
            Assert.That(Str(member, "ike_key_fingerprint"), Is.EqualTo(log.IkeKeyFingerprint(ike.UniqueId, afterUpdates: true)),
                "the controller's keys are those charon derived after the ML-KEM update");
            Assert.That(Str(member, "last_acked_spi"), Does.Match("^[0-9a-f]{8}$"), "charon answered the MPSA_PUT");
        });
    }

    [TestCaseSource(nameof(HybridSuites))]
    public void TheAgentConnectsToCharonSixWithMlKem(string suite)
    {
        var ev = RunOnce("agent-to-charon", suite).Evidence;
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon 6 responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var log = ev.CharonLog("hub");
        var status = ev.StatusOrUndefined("agent");
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon {suite}: {ev.Reason}");
            Assert.That((ike.State, ike.Proposal), Is.EqualTo(("ESTABLISHED", Hybrids[suite].Charon)), "charon's IKE SA");
            Assert.That(log.Text, Does.Contain("parsed IKE_INTERMEDIATE request 1 [ KE ]").And.Contains("generating IKE_INTERMEDIATE response 1 [ KE ]"));
            // the agent's ML-KEM key goes in two Encrypted Fragments, which charon reassembles
            Assert.That(log.Text, Does.Contain("parsed IKE_INTERMEDIATE request 1 [ EF(1/2) ]").And.Contains("parsed IKE_INTERMEDIATE request 1 [ EF(2/2) ]")
                .And.Contains("reassembled fragmented IKE message"));
            Assert.That(Str(status, "ike_sa", "suite"), Is.EqualTo(Hybrids[suite].Ours));
            Assert.That(Str(status, "ike_sa", "key_exchange"), Is.EqualTo("x25519+mlkem768"));
            Assert.That(Str(status, "ike_sa", "key_fingerprint"), Is.EqualTo(log.IkeKeyFingerprint(ike.UniqueId, afterUpdates: true)),
                "the agent's keys are those charon derived after the ML-KEM update");
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }
}
