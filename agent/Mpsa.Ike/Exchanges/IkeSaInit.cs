using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 7296 §1.2 IKE_SA_INIT with draft-mpsa §3.1's Vendor ID:
///   HDR, [N(COOKIE),] SAi1, KEi, Ni, [N(NAT_DETECTION_*),] [N(...SUPPORTED)], V(MPSA)  -->
///                          <--  HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*),] [N(...SUPPORTED)], N(CHILDLESS_IKEV2_SUPPORTED), V(MPSA)
/// </summary>
internal static class IkeSaInit
{
    public static byte[] BuildRequest(IkeSpi spiI, IReadOnlyList<IkeSuite> proposals, IDhExchange dh, byte[] ni, byte[]? cookie, bool sendMpsaVendorId,
        IReadOnlyList<NotifyPayload>? natDetection = null, IReadOnlyList<IPayload>? extra = null)
    {
        var payloads = new List<IPayload>();
        if (cookie is not null)
        {
            payloads.Add(new NotifyPayload(NotifyType.COOKIE, cookie));
        }
        payloads.Add(Proposals.Offer(proposals));
        payloads.Add(new KeyExchangePayload(dh.Group, dh.PublicValue));
        payloads.Add(new NoncePayload(ni));
        payloads.AddRange(natDetection ?? []);
        payloads.AddRange(extra ?? []);
        if (Proposals.AnyAdditionalKe(proposals))
        {
            payloads.Add(new NotifyPayload(NotifyType.INTERMEDIATE_EXCHANGE_SUPPORTED));
        }
        // RFC 7383 §2.3: we put fragmented messages together (ML-KEM keys and certificate chains make large ones).
        payloads.Add(new NotifyPayload(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED));
        if (sendMpsaVendorId)
        {
            payloads.Add(VendorIdPayload.Mpsa());
        }
        return IkeMessage.Encode(new IkeHeader(spiI, default, PayloadType.NoNextPayload, ExchangeType.IKE_SA_INIT, IkeFlags.Initiator, 0, 0), payloads);
    }

    public static byte[] BuildResponse(IkeHeader request, IkeSpi spiR, IkeSuite suite, byte proposalNumber, IDhExchange dh, byte[] nr, bool sendMpsaVendorId,
        IReadOnlyList<NotifyPayload>? natDetection = null, IReadOnlyList<IPayload>? extra = null, bool fragmentation = false, bool childless = true)
    {
        var proposal = Proposals.ToProposal(suite, proposalNumber);
        var payloads = new List<IPayload>
        {
            new SecurityAssociationPayload([proposal]),
            new KeyExchangePayload(dh.Group, dh.PublicValue),
            new NoncePayload(nr),
        };
        payloads.AddRange(extra ?? []);
        payloads.AddRange(natDetection ?? []);
        if (suite.HasAdditionalKe)
        {
            payloads.Add(new NotifyPayload(NotifyType.INTERMEDIATE_EXCHANGE_SUPPORTED));
        }
        if (fragmentation)
        {
            payloads.Add(new NotifyPayload(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED));
        }
        if (childless)
        {
            // RFC 6023: a member that needs no CHILD_SA (MPSA only, no routing over one) may leave SA, TSi and TSr out.
            payloads.Add(new NotifyPayload(NotifyType.CHILDLESS_IKEV2_SUPPORTED));
        }
        if (sendMpsaVendorId)
        {
            payloads.Add(VendorIdPayload.Mpsa());
        }
        return IkeMessage.Encode(ResponseHeader(request, spiR), payloads);
    }

    /// <summary>An unprotected error or COOKIE answer to an IKE_SA_INIT request (RFC 7296 §2.6, §2.7, §1.2).</summary>
    public static byte[] BuildNotifyResponse(IkeHeader request, NotifyPayload notify) =>
        IkeMessage.Encode(ResponseHeader(request, default), [notify]);

    private static IkeHeader ResponseHeader(IkeHeader request, IkeSpi spiR) =>
        new(request.SpiI, spiR, PayloadType.NoNextPayload, ExchangeType.IKE_SA_INIT, IkeFlags.Response, 0, 0);

    /// <summary>Initiator: what the responder's answer means.</summary>
    public static SaInitAnswer ProcessResponse(IkeMessage response, IReadOnlyList<IkeSuite> offered, DhGroup sentGroup)
    {
        if (response.FindNotify(NotifyType.COOKIE) is { } cookie)
        {
            return cookie.Data.Length is >= 1 and <= 64 ? new SaInitAnswer.Cookie(cookie.Data) : new SaInitAnswer.Malformed("COOKIE data length");
        }
        if (response.FindNotify(NotifyType.INVALID_KE_PAYLOAD) is { } invalidKe)
        {
            if (invalidKe.Data.Length != 2)
            {
                return new SaInitAnswer.Malformed("INVALID_KE_PAYLOAD data length");
            }
            var group = (DhGroup)(invalidKe.Data[0] << 8 | invalidKe.Data[1]);
            return Proposals.OffersGroup(offered, group) && group != sentGroup
                ? new SaInitAnswer.RetryWithGroup(group)
                : new SaInitAnswer.Failed(NotifyType.INVALID_KE_PAYLOAD, $"responder asks for {group}, which we did not offer");
        }
        if (response.Find<NotifyPayload>(n => n.IsError) is { } error)
        {
            return new SaInitAnswer.Failed(error.NotifyType, $"responder answered {error.NotifyType}");
        }
        if (response.Header.SpiR.IsZero)
        {
            return new SaInitAnswer.Malformed("responder SPI is zero");
        }
        var sa = response.Find<SecurityAssociationPayload>();
        var ke = response.Find<KeyExchangePayload>();
        var nonce = response.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null)
        {
            return new SaInitAnswer.Malformed("response lacks SA, KE or Nonce");
        }
        var suite = Proposals.AcceptedIke(sa, offered);
        if (suite is null)
        {
            return new SaInitAnswer.Malformed("responder chose a proposal we did not offer");
        }
        if (ke.Group != suite.Dh || suite.Dh != sentGroup)
        {
            return new SaInitAnswer.Malformed($"KE group {ke.Group} does not match the chosen {suite.Dh}");
        }
        if (suite.HasAdditionalKe && response.FindNotify(NotifyType.INTERMEDIATE_EXCHANGE_SUPPORTED) is null)
        {
            return new SaInitAnswer.Malformed("responder chose an additional key exchange without announcing IKE_INTERMEDIATE");
        }
        return new SaInitAnswer.Accepted(suite, nonce.Data, ke.Data, response.Find<VendorIdPayload>(v => v.IsMpsa) is not null)
        {
            Fragmentation = response.FindNotify(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) is not null,
            Childless = response.FindNotify(NotifyType.CHILDLESS_IKEV2_SUPPORTED) is not null,
        };
    }

    /// <summary>Responder: choose a suite and check the KE group (RFC 7296 §1.2, §1.3).</summary>
    public static SaInitDecision ProcessRequest(IkeMessage request, IReadOnlyList<IkeSuite> acceptable)
    {
        var sa = request.Find<SecurityAssociationPayload>();
        var ke = request.Find<KeyExchangePayload>();
        var nonce = request.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null || request.Header.MessageId != 0 || !request.Header.SpiR.IsZero || request.Header.SpiI.IsZero)
        {
            return new SaInitDecision.Reject(NotifyType.INVALID_SYNTAX, "IKE_SA_INIT request lacks SA, KE or Nonce, or has bad SPIs/message ID");
        }
        if (request.FindNotify(NotifyType.INTERMEDIATE_EXCHANGE_SUPPORTED) is null)
        {
            // RFC 9370 §2.2.1: additional key exchanges happen in IKE_INTERMEDIATE, which the initiator must announce.
            acceptable = Proposals.OnlyClassical(acceptable);
        }
        if (Proposals.ChooseIke(sa, acceptable, ke.Group) is not var (suite, number))
        {
            return new SaInitDecision.Reject(NotifyType.NO_PROPOSAL_CHOSEN, "no acceptable proposal");
        }
        if (suite.Dh != ke.Group)
        {
            return new SaInitDecision.Reject(NotifyType.INVALID_KE_PAYLOAD, $"KE group {ke.Group}, chosen {suite.Dh}", [(byte)((ushort)suite.Dh >> 8), (byte)suite.Dh]);
        }
        return new SaInitDecision.Accept(suite, number, nonce.Data, ke.Data, request.Find<VendorIdPayload>(v => v.IsMpsa) is not null)
        {
            Fragmentation = request.FindNotify(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) is not null,
        };
    }
}

internal abstract record SaInitAnswer
{
    public sealed record Cookie(byte[] Data) : SaInitAnswer;
    public sealed record RetryWithGroup(DhGroup Group) : SaInitAnswer;
    public sealed record Failed(NotifyType Notify, string Reason) : SaInitAnswer;
    public sealed record Malformed(string Reason) : SaInitAnswer;
    public sealed record Accepted(IkeSuite Suite, byte[] Nr, byte[] KeR, bool PeerSupportsMpsa) : SaInitAnswer
    {
        /// <summary>The responder announced IKE fragmentation too (RFC 7383 §2.3).</summary>
        public bool Fragmentation { get; init; }

        /// <summary>The responder takes an IKE_AUTH without a CHILD_SA (RFC 6023).</summary>
        public bool Childless { get; init; }
    }
}

internal abstract record SaInitDecision
{
    public sealed record Reject(NotifyType Notify, string Reason, byte[]? Data = null) : SaInitDecision;
    public sealed record Accept(IkeSuite Suite, byte ProposalNumber, byte[] Ni, byte[] KeI, bool PeerSupportsMpsa) : SaInitDecision
    {
        /// <summary>The initiator announced IKE fragmentation (RFC 7383 §2.3): we answer that we support it too.</summary>
        public bool Fragmentation { get; init; }
    }
}
