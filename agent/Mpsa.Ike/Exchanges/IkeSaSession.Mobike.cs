using System.Net;
using System.Security.Cryptography;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// MOBIKE (RFC 4555) on an established session, when both sides announced it in IKE_AUTH. The CPE (the original
/// initiator, whichever side started the last rekey) moves the IKE SA after its address changed:
///   HDR, SK {N(UPDATE_SA_ADDRESSES), [N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),] N(COOKIE2)}  -->
///                                    <--  HDR, SK {[N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),] N(COOKIE2)}
/// The controller takes the request's source as the member's address from then on.
/// </summary>
internal sealed partial class IkeSaSession
{
    private OwnAddressUpdate? _update;

    private sealed record OwnAddressUpdate(uint MessageId, byte[] Cookie2);

    /// <summary>Sends UPDATE_SA_ADDRESSES from our new address (<paramref name="local"/>, when known: it makes the NAT-D
    /// data); a newer update replaces one still waiting, whose answer is then ignored (§3.5).</summary>
    public void UpdateAddresses(IPEndPoint? local, MonoTime now, StepBuilder step)
    {
        var cookie2 = new byte[16];
        _o.Random.Fill(cookie2);
        var payloads = new List<IPayload>(4) { new NotifyPayload(NotifyType.UPDATE_SA_ADDRESSES) };
        if (NatDetection.ForRequest(Ctx.SpiI, Ctx.SpiR, local, Ctx.Peer, _o.ForceUdpEncapsulation, _o.Random) is { } natD)
        {
            payloads.AddRange(natD);
        }
        payloads.Add(new NotifyPayload(NotifyType.COOKIE2, cookie2));
        foreach (var c in Contexts)
        {
            c.Local = local;
        }
        _update = new OwnAddressUpdate(Ctx.NextRequestId, cookie2);
        Ctx.Request(UpdateAddressesKind, payloads, now, step);
    }

    private static readonly ExchangeTypeAndKind UpdateAddressesKind = new(ExchangeType.INFORMATIONAL, RequestKind.UpdateSaAddresses);

    private void OnOwnAddressUpdateAnswered(IkeSaContext on, PendingRequest answered, IkeMessage response, StepBuilder step)
    {
        if (_update is not { } own || own.MessageId != answered.MessageId)
        {
            return;   // a newer update is on its way: its answer decides
        }
        _update = null;
        if (response.Find<NotifyPayload>(n => n.IsError) is { } error)
        {
            step.Emit(new IkeSaMoveFailed(Handle, $"the responder answered {error.NotifyType}"));
            return;
        }
        var echoed = response.FindNotify(NotifyType.COOKIE2);
        if (echoed is null || !CryptographicOperations.FixedTimeEquals(echoed.Data, own.Cookie2))
        {
            step.Emit(new IkeSaMoveFailed(Handle, echoed is null ? "the answer to UPDATE_SA_ADDRESSES lacks COOKIE2" : "the answer's COOKIE2 is not ours"));
            return;
        }
        bool? nat = _o.ForceUdpEncapsulation ? true : on.Local is { } local ? NatDetection.Detected(response, on.Peer, local) : null;
        step.Emit(new IkeSaMoved(Handle, on.Local, on.Peer, nat ?? on.NatDetected) { NatChanged = nat is { } n && n != on.NatDetected });
    }

    /// <summary>The controller's side: the member's UPDATE_SA_ADDRESSES moves every SA of the session to the request's
    /// source; the answer carries our NAT-D data when the request had some (and COOKIE2, as every answer does).</summary>
    private List<IPayload> OnPeerAddressUpdate(IkeSaContext on, IkeMessage request, IPEndPoint from, StepBuilder step)
    {
        var response = new List<IPayload>(3);
        bool? nat = on.Local is { } local ? NatDetection.Detected(request, from, local) : null;
        if (nat is not null)
        {
            response.AddRange(NatDetection.Notifies(request.Header.SpiI, request.Header.SpiR, on.Local!, from));
        }
        var before = on.Peer;
        foreach (var c in Contexts)
        {
            c.Peer = from;
        }
        if (!before.Equals(from))
        {
            step.Emit(new PeerMoved(Handle, before, from, nat));
        }
        return response;
    }

    /// <summary>RFC 4555 §3.5, §5.2: an INFORMATIONAL request's COOKIE2 (an address update, a return routability check)
    /// comes back in the answer, whichever side asks.</summary>
    private static IReadOnlyList<IPayload> EchoCookie2(IkeMessage request, IReadOnlyList<IPayload> response) =>
        request.FindNotify(NotifyType.COOKIE2) is { } cookie2 ? [.. response, new NotifyPayload(NotifyType.COOKIE2, cookie2.Data)] : response;

    /// <summary>An address update this side may take: the controller's, on an SA both announced MOBIKE for.</summary>
    private static bool IsAddressUpdate(IkeSaContext on, IkeMessage request) =>
        on.Mobike && !on.IsCpe && request.FindNotify(NotifyType.UPDATE_SA_ADDRESSES) is not null;
}
