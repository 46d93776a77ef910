using System.Formats.Asn1;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>Who the peer is: the initiator checks the responder's IDr, the responder the IDr it was asked for; type and value.</summary>
public class IdentityCheckTests
{
    /// <summary>
    /// The initiator's IKE_AUTH step on a response carrying <paramref name="idr"/> and a made-up AUTH, when the
    /// controller is expected to be <paramref name="expected"/>: the identity is checked before the AUTH.
    ///   HDR, SK {IDi, IDr, AUTH, SAi2, TSi, TSr}  -->   &lt;--  HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
    /// </summary>
    private static string InitiatorVerdict(IdentificationPayload idr, string expected)
    {
        byte[] ni = new byte[32], nr = new byte[32];
        var keys = IkeKeySchedule.Derive(Suites.Default, new byte[32], ni, nr, 1, 2);
        using var ctx = new IkeSaContext(true, new IkeSpi(1), new IkeSpi(2), Pair.Controller, keys, ni, nr, new SeededRandom(1), RetransmitPolicy.Default);
        using var psk = SecretBytes.CopyFrom("a shared secret of some length"u8);
        var options = new IkeInitiatorOptions
        {
            Proposals = [Suites.Default], LocalIdentity = Pair.CpeId, RemoteIdentity = expected, Psk = psk, ChildProposals = Suites.Esp,
            LocalSelectors = [TrafficSelector.ForHost(Pair.Cpe.Address)], RemoteSelectors = [TrafficSelector.ForHost(Pair.Controller.Address)],
        };
        var response = new IkeMessage(default, [idr, new AuthenticationPayload(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE, new byte[32])]);
        var outcome = IkeAuth.ProcessResponse(ctx, response, options, [], 7);
        return outcome is AuthOutcome.Failed f ? f.Detail : "established";
    }

    [Test]
    public void RefusesAResponderWhoseIdentityDiffersOnlyInTypeAndSaysBothTypes()
    {
        var fqdn = new IdentificationPayload(PayloadType.IDr, IdType.ID_FQDN, "ctl@example.net"u8.ToArray());
        Assert.That(InitiatorVerdict(fqdn, "ctl@example.net"),
            Is.EqualTo("responder identity ID_FQDN 'ctl@example.net' is not the expected ID_RFC822_ADDR 'ctl@example.net'"));
        Assert.That(InitiatorVerdict(fqdn, "fqdn:ctl@example.net"), Does.Not.Contain("is not the expected"));
    }

    [Test]
    public void RefusesAControllerWhoseSubjectOnlyReadsLikeTheExpectedDn()
    {
        // O = "Example, CN=controller" in one RDN: printed without escapes it would read as the expected DN.
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSetOf())
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("2.5.4.10");
            w.WriteCharacterString(UniversalTagNumber.UTF8String, "Example, CN=controller");
        }
        var impostor = new IdentificationPayload(PayloadType.IDr, IdType.ID_DER_ASN1_DN, w.Encode());
        Assert.That(InitiatorVerdict(impostor, "O=Example, CN=controller"), Is.EqualTo(
            @"responder identity ID_DER_ASN1_DN 'O=Example\, CN=controller' is not the expected ID_DER_ASN1_DN 'O=Example, CN=controller'"));
        // The same DN with other case and blanks is the expected one: the check passes, and the made-up AUTH fails.
        var real = IdentificationPayload.FromText(PayloadType.IDr, "O=Example, CN=Controller");
        Assert.That(InitiatorVerdict(real, "o=EXAMPLE ,cn=controller"), Does.StartWith("responder AUTH"));
    }

    [Test]
    public void RefusesAnInitiatorThatAsksForAnotherTypeOfOurIdentity()
    {
        // HDR, SK {IDi, IDr = ID_KEY_ID 'controller.example.net', AUTH, ...}: the responder is that name as ID_FQDN.
        using var pair = new Pair(Suites.Default, i => i.RemoteIdentity = "keyid:controller.example.net");
        pair.Establish();
        Assert.That(pair.Single<PeerGone>(pair.ResponderEvents).Detail, Is.EqualTo(
            "cpe1.example.net wants to talk to ID_KEY_ID 'controller.example.net', not us (ID_FQDN 'controller.example.net')"));
    }
}
