using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>Proposals with additional key exchanges (RFC 9370) and unknown transform types (RFC 7296 §3.3.6) before this
/// implementation makes any: a proposal that requires one is never chosen as if it were classical.</summary>
public class AdditionalKeyExchangeProposalTests
{
    private static readonly IkeSuite Aes = new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);

    /// <summary>As strongSwan 6 sends aes256-sha256-x25519 with <paramref name="extra"/> transforms added.</summary>
    private static ProposalSubstructure Proposal(byte number, params TransformSubstructure[] extra) =>
        new(number, ProtocolId.IKE, [],
        [
            TransformSubstructure.WithKeyLength(TransformType.ENCR, (ushort)EncrId.ENCR_AES_CBC, 256),
            new(TransformType.PRF, (ushort)PrfId.PRF_HMAC_SHA2_256),
            new(TransformType.INTEG, (ushort)IntegId.AUTH_HMAC_SHA2_256_128),
            new(TransformType.DH, (ushort)DhGroup.CURVE25519),
            .. extra,
        ]);

    private static byte? Chosen(params ProposalSubstructure[] offered) =>
        Proposals.ChooseIke(new SecurityAssociationPayload(offered), [Aes], DhGroup.CURVE25519)?.Number;

    [Test]
    public void AProposalRequiringMlKemIsNotTakenForTheClassicalOneBesideIt()
    {
        var hybrid = Proposal(1, new TransformSubstructure(TransformType.ADDKE1, (ushort)DhGroup.ML_KEM_768));
        Assert.That(Chosen(hybrid), Is.Null, "aes256-sha256-x25519-ke1_mlkem768 alone: no proposal chosen");
        Assert.That(Chosen(hybrid, Proposal(2)), Is.EqualTo(2), "the classical fallback is");
    }

    [Test]
    public void AnAdditionalKeyExchangeThatMayBeNoneIsAcceptable()
    {
        var optional = Proposal(1, new TransformSubstructure(TransformType.ADDKE1, (ushort)DhGroup.ML_KEM_768),
            new TransformSubstructure(TransformType.ADDKE1, (ushort)DhGroup.NONE));
        Assert.That(Chosen(optional), Is.EqualTo(1));
    }

    [Test]
    public void AnUnknownTransformTypeMakesTheProposalUnacceptable()
    {
        Assert.That(Chosen(Proposal(1, new TransformSubstructure((TransformType)13, 1))), Is.Null);
        Assert.That(Chosen(Proposal(1, new TransformSubstructure(TransformType.ESN, (ushort)EsnId.NO_ESN))), Is.Null, "ESN is no IKE SA transform");
        Assert.That(Chosen(Proposal(1)), Is.EqualTo(1));
    }
}
