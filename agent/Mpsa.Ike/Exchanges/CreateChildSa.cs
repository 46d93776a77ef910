using System.Buffers.Binary;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 7296 §1.3 CREATE_CHILD_SA, for rekeying only (a further CHILD_SA is refused with NO_ADDITIONAL_SAS):
/// <code>
///   §1.3.2 the IKE SA:   HDR, SK {SA, Ni, KEi}  -->
///                                           <--  HDR, SK {SA, Nr, KEr}
///   §1.3.3 a CHILD_SA:   HDR, SK {N(REKEY_SA), [N(USE_TRANSPORT_MODE),] SA, Ni, TSi, TSr}  -->
///                                           <--  HDR, SK {[N(USE_TRANSPORT_MODE),] SA, Nr, TSi, TSr}
/// </code>
/// The new IKE SA's SPIs travel in the proposals (SPI size 8); a CHILD_SA rekey names the old SA by the sender's
/// inbound SPI in N(REKEY_SA). The CHILD_SA rekey carries no KE (no PFS). An IKE SA rekey with an additional key
/// exchange goes on in <see cref="FollowupKeyExchange"/>. <see cref="IkeSaSession"/> keeps the state.
/// </summary>
internal static class CreateChildSa
{
    public static readonly ExchangeTypeAndKind RekeyIkeKind = new(ExchangeType.CREATE_CHILD_SA, RequestKind.RekeyIkeSa);
    public static readonly ExchangeTypeAndKind RekeyChildKind = new(ExchangeType.CREATE_CHILD_SA, RequestKind.RekeyChildSa);

    /// <summary>HDR, SK {SA, Ni, KEi} --> : every proposal carries our new SPI (§3.3.1, SPI size 8).</summary>
    public static IReadOnlyList<IPayload> BuildIkeRequest(IReadOnlyList<IkeSuite> offer, IkeSpi newSpi, IDhExchange dh, byte[] ni) =>
    [
        OfferWithSpi(offer, newSpi),
        new NoncePayload(ni),
        new KeyExchangePayload(dh.Group, dh.PublicValue),
    ];

    private static SecurityAssociationPayload OfferWithSpi(IReadOnlyList<IkeSuite> offer, IkeSpi spi)
    {
        var proposals = new List<ProposalSubstructure>(offer.Count);
        for (int i = 0; i < offer.Count; i++)
        {
            proposals.Add(Proposals.ToProposal(offer[i], (byte)(i + 1)) with { Spi = SpiBytes(spi) });
        }
        return new(proposals);
    }

    /// <summary>Rekey responder: choose a suite among ours and check the KE group, as IKE_SA_INIT does (§1.3.2).</summary>
    public static IkeRequestDecision ProcessIkeRequest(IkeMessage request, IReadOnlyList<IkeSuite> acceptable)
    {
        var sa = request.Find<SecurityAssociationPayload>();
        var ke = request.Find<KeyExchangePayload>();
        var nonce = request.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null)
        {
            return new IkeRequestDecision.Reject(NotifyType.INVALID_SYNTAX, "IKE SA rekey lacks SA, KE or Nonce");
        }
        var eightOctetSpis = new List<ProposalSubstructure>();
        foreach (var p in sa.Proposals)
        {
            if (p.Spi.Length == 8)
            {
                eightOctetSpis.Add(p);
            }
        }
        var eight = new SecurityAssociationPayload(eightOctetSpis);
        if (Proposals.ChooseIke(eight, acceptable, ke.Group) is not var (suite, number))
        {
            return new IkeRequestDecision.Reject(NotifyType.NO_PROPOSAL_CHOSEN, "no acceptable proposal for the new IKE SA");
        }
        if (suite.Dh != ke.Group)
        {
            return new IkeRequestDecision.Reject(NotifyType.INVALID_KE_PAYLOAD, $"KE group {ke.Group}, chosen {suite.Dh}",
                [(byte)((ushort)suite.Dh >> 8), (byte)suite.Dh]);
        }
        var peerSpi = new IkeSpi(BinaryPrimitives.ReadUInt64BigEndian(eightOctetSpis.Find(p => p.ProposalNum == number)!.Spi));
        if (peerSpi.IsZero)
        {
            return new IkeRequestDecision.Reject(NotifyType.INVALID_SYNTAX, "new IKE SPI is zero");
        }
        return new IkeRequestDecision.Accept(suite, number, peerSpi, nonce.Data, ke.Data);
    }

    /// <summary>&lt;-- HDR, SK {SA, Nr, KEr [, N(ADDITIONAL_KEY_EXCHANGE)(link)]}: the notification when the suite
    /// has an additional key exchange, to be made in IKE_FOLLOWUP_KE (<see cref="FollowupKeyExchange"/>).</summary>
    public static IReadOnlyList<IPayload> BuildIkeResponse(IkeSuite suite, byte number, IkeSpi ourSpi, IDhExchange dh, byte[] nr, byte[]? link = null)
    {
        var payloads = new List<IPayload>
        {
            new SecurityAssociationPayload([Proposals.ToProposal(suite, number) with { Spi = SpiBytes(ourSpi) }]),
            new NoncePayload(nr),
            new KeyExchangePayload(dh.Group, dh.PublicValue),
        };
        if (link is not null)
        {
            payloads.Add(FollowupKeyExchange.Link(link));
        }
        return payloads;
    }

    /// <summary>Rekey initiator: what the answer means (INVALID_KE_PAYLOAD asks for another group, §1.3).</summary>
    public static RekeyAnswer ProcessIkeResponse(IkeMessage response, IReadOnlyList<IkeSuite> offered, DhGroup sentGroup)
    {
        if (response.FindNotify(NotifyType.INVALID_KE_PAYLOAD) is { } invalidKe)
        {
            var group = invalidKe.Data.Length == 2 ? (DhGroup)(invalidKe.Data[0] << 8 | invalidKe.Data[1]) : sentGroup;
            return Proposals.OffersGroup(offered, group) && group != sentGroup
                ? new RekeyAnswer.RetryWithGroup(group)
                : new RekeyAnswer.Failed(NotifyType.INVALID_KE_PAYLOAD, $"peer asks for group {group}, which we cannot offer");
        }
        if (response.Find<NotifyPayload>(n => n.IsError) is { } error)
        {
            return new RekeyAnswer.Failed(error.NotifyType, $"peer answered {error.NotifyType}");
        }
        var sa = response.Find<SecurityAssociationPayload>();
        var ke = response.Find<KeyExchangePayload>();
        var nonce = response.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null)
        {
            return new RekeyAnswer.Failed(null, "IKE SA rekey answer lacks SA, KE or Nonce");
        }
        if (Proposals.AcceptedIke(sa, offered) is not { } suite || sa.Proposals[0].Spi.Length != 8)
        {
            return new RekeyAnswer.Failed(null, "peer chose a proposal we did not offer, or no 8-octet SPI");
        }
        var peerSpi = new IkeSpi(BinaryPrimitives.ReadUInt64BigEndian(sa.Proposals[0].Spi));
        if (ke.Group != suite.Dh || suite.Dh != sentGroup || peerSpi.IsZero)
        {
            return new RekeyAnswer.Failed(null, $"KE group {ke.Group} does not match the chosen {suite.Dh}, or zero SPI");
        }
        return new RekeyAnswer.IkeAccepted(suite, peerSpi, nonce.Data, ke.Data, response.FindNotify(NotifyType.ADDITIONAL_KEY_EXCHANGE)?.Data);
    }

    /// <summary>HDR, SK {N(REKEY_SA, ESP, our inbound SPI), [N(USE_TRANSPORT_MODE),] SA, Ni, TSi, TSr} --></summary>
    public static IReadOnlyList<IPayload> BuildChildRequest(ChildSa old, IReadOnlyList<EspSuite> offer, uint newSpi, byte[] ni)
    {
        var payloads = new List<IPayload> { new NotifyPayload(ProtocolId.ESP, NotifyType.REKEY_SA, Proposals.SpiBytes(old.InboundSpi), []) };
        if (old.TransportMode)
        {
            payloads.Add(new NotifyPayload(NotifyType.USE_TRANSPORT_MODE));
        }
        payloads.Add(Proposals.Offer(offer, newSpi));
        payloads.Add(new NoncePayload(ni));
        payloads.Add(new TrafficSelectorPayload(PayloadType.TSi, old.LocalSelectors));
        payloads.Add(new TrafficSelectorPayload(PayloadType.TSr, old.RemoteSelectors));
        return payloads;
    }

    /// <summary>Rekey responder of a CHILD_SA: the suite among ours. A KE (PFS) is not supported here.</summary>
    public static ChildRequestDecision ProcessChildRequest(IkeMessage request, IReadOnlyList<EspSuite> acceptable)
    {
        var sa = request.Find<SecurityAssociationPayload>();
        var nonce = request.Find<NoncePayload>();
        if (sa is null || nonce is null || request.FindTs(PayloadType.TSi) is null || request.FindTs(PayloadType.TSr) is null)
        {
            return new ChildRequestDecision.Reject(NotifyType.INVALID_SYNTAX, "CHILD_SA rekey lacks SA, Nonce or TS");
        }
        if (request.Find<KeyExchangePayload>() is not null)
        {
            return new ChildRequestDecision.Reject(NotifyType.NO_PROPOSAL_CHOSEN, "CHILD_SA rekey with PFS is not supported");
        }
        if (Proposals.ChooseEsp(sa, acceptable) is not var (suite, number, peerSpi))
        {
            return new ChildRequestDecision.Reject(NotifyType.NO_PROPOSAL_CHOSEN, "no acceptable proposal for the new CHILD_SA");
        }
        return new ChildRequestDecision.Accept(suite, number, peerSpi, nonce.Data);
    }

    /// <summary>&lt;-- HDR, SK {[N(USE_TRANSPORT_MODE),] SA, Nr, TSi, TSr}: the old CHILD_SA's selectors, seen from the initiator.</summary>
    public static IReadOnlyList<IPayload> BuildChildResponse(ChildSa old, EspSuite suite, byte number, uint ourSpi, byte[] nr)
    {
        var payloads = new List<IPayload>();
        if (old.TransportMode)
        {
            payloads.Add(new NotifyPayload(NotifyType.USE_TRANSPORT_MODE));
        }
        payloads.Add(new SecurityAssociationPayload([Proposals.ToProposal(suite, number, ourSpi)]));
        payloads.Add(new NoncePayload(nr));
        payloads.Add(new TrafficSelectorPayload(PayloadType.TSi, old.RemoteSelectors));
        payloads.Add(new TrafficSelectorPayload(PayloadType.TSr, old.LocalSelectors));
        return payloads;
    }

    public static RekeyAnswer ProcessChildResponse(IkeMessage response, IReadOnlyList<EspSuite> offered)
    {
        if (response.Find<NotifyPayload>(n => n.IsError) is { } error)
        {
            return new RekeyAnswer.Failed(error.NotifyType, $"peer answered {error.NotifyType}");
        }
        var sa = response.Find<SecurityAssociationPayload>();
        var nonce = response.Find<NoncePayload>();
        if (sa is null || nonce is null)
        {
            return new RekeyAnswer.Failed(null, "CHILD_SA rekey answer lacks SA or Nonce");
        }
        if (Proposals.AcceptedEsp(sa, offered) is not var (suite, peerSpi))
        {
            return new RekeyAnswer.Failed(null, "peer chose an ESP proposal we did not offer");
        }
        return new RekeyAnswer.ChildAccepted(suite, peerSpi, nonce.Data);
    }

    /// <summary>
    /// RFC 7296 §2.8.1 (and §2.8.2 for the IKE SA): when both ends rekeyed the same SA at once, the SA made by the
    /// exchange that holds the lowest of the four nonces is redundant, and its initiator deletes it. "Lowest" compares
    /// octet by octet. True when that exchange is the one with nonces <paramref name="ni"/>, <paramref name="nr"/>.
    /// </summary>
    public static bool HoldsLowestNonce(byte[] ni, byte[] nr, byte[] otherNi, byte[] otherNr)
    {
        var ours = Lowest(ni, nr);
        var theirs = Lowest(otherNi, otherNr);
        return ours.AsSpan().SequenceCompareTo(theirs) < 0;
    }

    private static byte[] Lowest(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b) <= 0 ? a : b;

    public static byte[] SpiBytes(IkeSpi spi)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, spi.Value);
        return b;
    }
}

internal abstract record IkeRequestDecision
{
    public sealed record Reject(NotifyType Notify, string Reason, byte[]? Data = null) : IkeRequestDecision;
    public sealed record Accept(IkeSuite Suite, byte Number, IkeSpi PeerSpi, byte[] Ni, byte[] KeI) : IkeRequestDecision;
}

internal abstract record ChildRequestDecision
{
    public sealed record Reject(NotifyType Notify, string Reason) : ChildRequestDecision;
    public sealed record Accept(EspSuite Suite, byte Number, uint PeerSpi, byte[] Ni) : ChildRequestDecision;
}

internal abstract record RekeyAnswer
{
    public sealed record RetryWithGroup(DhGroup Group) : RekeyAnswer;
    public sealed record Failed(NotifyType? Notify, string Reason) : RekeyAnswer;
    /// <param name="Link">The data of N(ADDITIONAL_KEY_EXCHANGE), when the answer carried one (RFC 9370 §2.2.4).</param>
    public sealed record IkeAccepted(IkeSuite Suite, IkeSpi PeerSpi, byte[] Nr, byte[] KeR, byte[]? Link) : RekeyAnswer;
    public sealed record ChildAccepted(EspSuite Suite, uint PeerSpi, byte[] Nr) : RekeyAnswer;
}
