using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Exchanges;

namespace Mpsa.Tests.Certificates;

/// <summary>IKE_AUTH by certificates between our initiator and responder, in memory (RFC 7296 §2.15, RFC 7427).</summary>
public class CertificateExchangeTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void EstablishesWithCertificatesOnBothSides(bool ecdsa)
    {
        using var pki = new TestPki(ecdsa);
        using var cpe = pki.Issue(Pair.CpeId, ecdsa);
        using var controller = pki.Issue(Pair.ControllerId, ecdsa);
        using var pair = new Pair(Suites.Default, i => i.Certificates = pki.Auth(cpe), r => r.Certificates = pki.Auth(controller));
        pair.Establish();
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established), string.Join("; ", pair.InitiatorEvents));
        // HDR, SK {IDi, CERT, CERTREQ, N(INITIAL_CONTACT), IDr, AUTH, ...} -->  <-- HDR, SK {IDr, CERT, AUTH, ...}
        var init = IkeMessage.Decode(pair.Wire[1].Datagram);
        Assert.Multiple(() =>
        {
            Assert.That(init.Find<CertificateRequestPayload>(), Is.Not.Null, "IKE_SA_INIT response carries CERTREQ");
            Assert.That(SignatureHashAlgorithms.From(init), Is.EqualTo(new[] { SignatureHash.SHA2_256, SignatureHash.SHA2_384, SignatureHash.SHA2_512 }));
            Assert.That(SignatureHashAlgorithms.From(IkeMessage.Decode(pair.Wire[0].Datagram)), Is.Not.Null, "IKE_SA_INIT request carries SIGNATURE_HASH_ALGORITHMS");
            Assert.That(pair.Single<IkeSaEstablished>(pair.ResponderEvents).PeerIdentity, Is.EqualTo(Pair.CpeId));
            Assert.That(pair.Single<IkeSaEstablished>(pair.InitiatorEvents).PeerIdentity, Is.EqualTo(Pair.ControllerId));
        });
    }

    [Test]
    public void TheResponderRefusesARevokedMemberWithAuthenticationFailed()
    {
        using var pki = new TestPki();
        using var cpe = pki.Issue(Pair.CpeId);
        using var controller = pki.Issue(Pair.ControllerId);
        using var pair = new Pair(Suites.Default, i => i.Certificates = pki.Auth(cpe), r => r.Certificates = pki.Auth(controller, pki.Crl(cpe.Certificate)));
        pair.Establish();
        var gone = pair.Single<PeerGone>(pair.ResponderEvents);
        Assert.Multiple(() =>
        {
            Assert.That(gone.Reason, Is.EqualTo(PeerGoneReason.AuthenticationFailed));
            Assert.That(gone.Detail, Does.Contain("revoked"));
            Assert.That(pair.Single<PeerGone>(pair.InitiatorEvents).Detail, Does.Contain("AUTHENTICATION_FAILED"));
        });
    }

    [Test]
    public void TheInitiatorRefusesAControllerWhoseCertificateNamesAnotherIdentity()
    {
        using var pki = new TestPki();
        using var cpe = pki.Issue(Pair.CpeId);
        using var impostor = pki.Issue("other.example.net");
        using var pair = new Pair(Suites.Default, i => i.Certificates = pki.Auth(cpe), r => r.Certificates = pki.Auth(impostor));
        pair.Establish();
        var gone = pair.Single<PeerGone>(pair.InitiatorEvents);
        // ... <-- HDR, SK {IDr, CERT, AUTH, ...}   HDR, SK {N(AUTHENTICATION_FAILED)} -->  (RFC 7296 §2.21.2)
        var informational = pair.Wire.Where(w => IkeMessage.Decode(w.Datagram).Header.Exchange == ExchangeType.INFORMATIONAL).Select(w => w.ToResponder);
        Assert.Multiple(() =>
        {
            Assert.That(gone.Reason, Is.EqualTo(PeerGoneReason.AuthenticationFailed));
            Assert.That(gone.Detail, Does.Contain("is not in the certificate"));
            Assert.That(informational, Is.EqualTo(new[] { true, false }), "our INFORMATIONAL request and the responder's answer");
            Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Reason, Is.EqualTo(PeerGoneReason.DeletedByPeer), "the responder drops the refused SA");
        });
    }
}
