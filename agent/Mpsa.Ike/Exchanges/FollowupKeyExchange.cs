using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 9370 §2.2.4: an IKE SA rekey whose suite has an additional key exchange (ADDKE1) finishes it in an
/// IKE_FOLLOWUP_KE exchange on the SA the CREATE_CHILD_SA ran on, linked to it by opaque data the responder chose:
/// <code>
///   HDR, SK {SA, Ni, KEi}  -->
///                          &lt;--  HDR, SK {SA, Nr, KEr, N(ADDITIONAL_KEY_EXCHANGE)(link)}
///   HDR(IKE_FOLLOWUP_KE), SK {N(ADDITIONAL_KEY_EXCHANGE)(link), KEi(1)}  -->
///                          &lt;--  HDR(IKE_FOLLOWUP_KE), SK {KEr(1)}
/// </code>
/// Only then are the new SA's keys derived, from every exchange's secret (<see cref="IkeKeySchedule.DeriveRekeyed"/>).
/// <see cref="IkeSaSession"/> keeps the state.
/// </summary>
internal static class FollowupKeyExchange
{
    public static readonly ExchangeTypeAndKind Kind = new(ExchangeType.IKE_FOLLOWUP_KE, RequestKind.IkeFollowupKe);

    public static NotifyPayload Link(byte[] link) => new(NotifyType.ADDITIONAL_KEY_EXCHANGE, link);

    /// <summary>HDR(IKE_FOLLOWUP_KE), SK {N(ADDITIONAL_KEY_EXCHANGE)(link), KEi(1)} --></summary>
    public static IReadOnlyList<IPayload> BuildRequest(byte[] link, IDhExchange ke) =>
        [Link(link), new KeyExchangePayload(ke.Group, ke.PublicValue)];

    /// <summary>Responder: the request must carry the link of the CREATE_CHILD_SA we answered, and a KE of the chosen method.</summary>
    public static FollowupRequest ProcessRequest(IkeMessage request, byte[]? expectedLink, DhGroup method)
    {
        var link = request.FindNotify(NotifyType.ADDITIONAL_KEY_EXCHANGE);
        if (expectedLink is null || link is null || !link.Data.AsSpan().SequenceEqual(expectedLink))
        {
            return new FollowupRequest.Reject(NotifyType.STATE_NOT_FOUND,
                link is null ? "IKE_FOLLOWUP_KE without ADDITIONAL_KEY_EXCHANGE" : "IKE_FOLLOWUP_KE for no rekey we answered");
        }
        var ke = request.Find<KeyExchangePayload>();
        if (ke is null || ke.Group != method)
        {
            return new FollowupRequest.Reject(NotifyType.INVALID_SYNTAX,
                ke is null ? "IKE_FOLLOWUP_KE without KE" : $"IKE_FOLLOWUP_KE with a KE of {ke.Group}, chosen {method}");
        }
        return new FollowupRequest.Accept(ke.Data);
    }

    /// <summary>Initiator: &lt;-- HDR, SK {KEr(1)}, or an error notification.</summary>
    public static FollowupAnswer ProcessResponse(IkeMessage response, DhGroup method)
    {
        if (response.Find<NotifyPayload>(n => n.IsError) is { } error)
        {
            return new FollowupAnswer.Failed(error.NotifyType, $"peer answered IKE_FOLLOWUP_KE with {error.NotifyType}");
        }
        if (response.FindNotify(NotifyType.ADDITIONAL_KEY_EXCHANGE) is not null)
        {
            return new FollowupAnswer.Failed(null, "peer asks for a further additional key exchange; the suite has one");
        }
        var ke = response.Find<KeyExchangePayload>();
        if (ke is null || ke.Group != method)
        {
            return new FollowupAnswer.Failed(null, ke is null ? "IKE_FOLLOWUP_KE answer without KE" : $"IKE_FOLLOWUP_KE answer with a KE of {ke.Group}, not {method}");
        }
        return new FollowupAnswer.Accepted(ke.Data);
    }
}

internal abstract record FollowupRequest
{
    public sealed record Reject(NotifyType Notify, string Reason) : FollowupRequest;
    public sealed record Accept(byte[] KeI) : FollowupRequest;
}

internal abstract record FollowupAnswer
{
    public sealed record Failed(NotifyType? Notify, string Reason) : FollowupAnswer;
    public sealed record Accepted(byte[] KeR) : FollowupAnswer;
}
