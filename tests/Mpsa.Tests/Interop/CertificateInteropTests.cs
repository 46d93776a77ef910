namespace Mpsa.Tests.Interop;

/// <summary>
/// Certificate authentication (RFC 7427 signatures, X.509 chains made in the run with openssl, see
/// tests/interop/run-interop-certs.sh) against charon: the agent against a charon responder and a charon initiator
/// against the controller, RSA (PKCS#1 v1.5 and PSS) and ECDSA; and the controller refusing a bad member certificate
/// (expired, wrong CA, revoked, identity mismatch) with AUTHENTICATION_FAILED and a log line naming the reason, and the
/// agent refusing a bad charon certificate the same way (N(AUTHENTICATION_FAILED) in an INFORMATIONAL, RFC 7296 §2.21.2).
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public class CertificateInteropTests(Charon charon) : InteropTest(charon)
{
    /// <summary>Case → the signature scheme charon names (our side's signatures; the ECDSA hub has a P-384 key).</summary>
    private static readonly Dictionary<string, (string Cpe, string Hub)> Schemes = new()
    {
        ["rsa"] = ("RSA_EMSA_PKCS1_SHA2_256", "RSA_EMSA_PKCS1_SHA2_256"),
        ["ecdsa"] = ("ECDSA_WITH_SHA256_DER", "ECDSA_WITH_SHA384_DER"),
        ["rsa-pss"] = ("RSA_EMSA_PSS_SHA2_256_SALT_32", "RSA_EMSA_PSS_SHA2_256_SALT_32"),
    };

    [TestCase("rsa")]
    [TestCase("ecdsa")]
    [TestCase("rsa-pss")]
    public void CharonWithACertificateConnectsToTheController(string kind)
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-cert", kind).Evidence;
        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        string log = ev.Text("cpe.charon.log") ?? "";
        var status = ev.Status("controller");
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller-cert {kind}: {ev.Reason}");
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"), "charon IKE SA state");
            Assert.That(ike.RemoteId, Is.EqualTo(HubIdentity), "charon's remote identity");
            Assert.That(log, Does.Contain($"authentication of '{HubIdentity}' with {Schemes[kind].Hub} successful"),
                "charon verified the controller's signature with the expected scheme");
            Assert.That(log, Does.Contain("parsed IKE_SA_INIT response 0 [ SA KE No CERTREQ N(HASH_ALG)"), "controller's IKE_SA_INIT response");
            Assert.That(status.GetRawText(), Does.Contain("\"state\": \"connected\"").Or.Contain("\"state\":\"connected\""), "controller member state");
            Assert.That(status.GetRawText(), Does.Match("\"last_acked_spi\": ?\"[0-9a-fA-F]{8}\""), "the member acknowledged the MPSA_PUT");
            AssertStoppedCleanly(ev, "controller");
            AssertNoErrorsLogged(ev, "controller");
        });
    }

    [TestCase("rsa")]
    [TestCase("ecdsa")]
    [TestCase("rsa-pss")]
    public void TheAgentWithACertificateConnectsToCharon(string kind)
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-cert", kind).Evidence;
        var ike = SingleIkeSa(ev.ListSas("hub"), $"charon responder (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        string log = ev.Text("hub.charon.log") ?? "";
        var status = ev.StatusOrUndefined("agent");
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon-cert {kind}: {ev.Reason}");
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"), "charon IKE SA state");
            Assert.That(ike.RemoteId, Is.EqualTo(CpeIdentity), "charon's remote identity");
            Assert.That(log, Does.Contain($"authentication of '{CpeIdentity}' with {Schemes[kind].Cpe} successful"),
                "charon verified the agent's signature with the expected scheme");
            Assert.That(Str(status, "controller", "state"), Is.EqualTo("connected"), "agent controller.state");
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(ike.SpiI).IgnoreCase, "agent ike_sa.spi_i vs charon");
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [TestCase("expired", "is outside its validity period (2020-01-01 00:00:00Z to 2020-02-01 00:00:00Z)")]
    [TestCase("wrong-ca", "is not issued by a configured CA")]
    [TestCase("revoked", "is revoked by the CRL of 'C=CH, O=mpsa interop, CN=mpsa interop CA'")]
    [TestCase("id-mismatch", "identity ID_FQDN 'cpe1.example.net' is not in the certificate of 'C=CH, O=mpsa interop, CN=cpe9.example.net'")]
    public void TheControllerRefusesABadMemberCertificate(string kind, string reason)
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-cert", kind).Evidence;
        string log = ev.Text("cpe.charon.log") ?? "";
        string refused = ev.Result.TryGetValue("refused_line", out string? line) ? line : "(no refused_line in result.txt)";
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("rejected"), $"run-interop.sh charon-to-controller-cert {kind}: {ev.Reason}");
            Assert.That(log, Does.Contain("received AUTHENTICATION_FAILED notify error"), "charon got AUTHENTICATION_FAILED");
            Assert.That(log, Does.Not.Contain("IKE_SA mpsa[1] established"), "charon's IKE SA must not come up");
            Assert.That(refused, Does.StartWith("warn: mpsa-controller[202] peer 10.91.0.2").And.Contain(reason), "the controller's log line names the reason");
            AssertStoppedCleanly(ev, "controller");
        });
    }

    [TestCase("expired", "is outside its validity period (2020-01-01 00:00:00Z to 2020-02-01 00:00:00Z)")]
    [TestCase("wrong-ca", "is not issued by a configured CA")]
    [TestCase("revoked", "is revoked by the CRL of 'C=CH, O=mpsa interop, CN=mpsa interop CA'")]
    [TestCase("id-mismatch", "identity ID_FQDN 'controller.example.net' is not in the certificate of 'C=CH, O=mpsa interop, CN=controller9.example.net'")]
    public void TheAgentRefusesABadControllerCertificate(string kind, string reason)
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-cert", kind).Evidence;
        string refused = ev.Result.TryGetValue("refused_line", out string? line) ? line : "(no refused_line in result.txt)";
        string charon = ev.Result.TryGetValue("charon_line", out string? c) ? c : "(no charon_line in result.txt)";
        Assert.Multiple(() =>
        {
            Assert.That(ev.Outcome, Is.EqualTo("rejected"), $"run-interop.sh agent-to-charon-cert {kind}: {ev.Reason}");
            Assert.That(charon, Does.Contain("parsed INFORMATIONAL request 2 [ N(AUTH_FAILED) ]"), "charon got AUTHENTICATION_FAILED from the agent");
            Assert.That(refused, Does.StartWith("warn: mpsa-agent[203] controller connection lost (AuthenticationFailed: responder controller.example.net: ")
                .And.Contain(reason), "the agent's log line names the reason");
            AssertStoppedCleanly(ev, "agent");
        });
    }
}
