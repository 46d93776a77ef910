using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// The responder's IKE_INTERMEDIATE exchange (RFC 9242) carrying the chosen suite's additional key exchange (RFC 9370):
///   HDR, SK {KEi(ML-KEM-768 encapsulation key)}  -->
///                              &lt;--  HDR, SK {KEr(ciphertext)}
/// then both sides update the keys, and the exchange's messages go into the AUTH payloads (<see cref="IntermediateAuth"/>).
/// </summary>
public sealed partial class IkeResponder
{
    private void OnIntermediateRequest(ResponderSa sa, ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        var suite = sa.Ctx.Suite;
        if (!suite.HasAdditionalKe)
        {
            step.Emit(new MessageDropped(from, "IKE_INTERMEDIATE, but the chosen suite makes no additional key exchange"));
            return;
        }
        // A retransmission after the key update is answered from the cache by Classify.
        var inbound = sa.Ctx.Classify(datagram, h, now, step);
        if (inbound.Kind != InboundKind.Request)
        {
            step.Emit(new MessageDropped(from, inbound.DropReason ?? "unexpected"));
            return;
        }
        var request = inbound.Message!;
        if (TooManyPayloads(request, from, step))
        {
            return;
        }
        if (sa.AdditionalKeDone)
        {
            sa.Ctx.SendResponse(h.Exchange, h.MessageId, [new NotifyPayload(NotifyType.INVALID_SYNTAX)], inbound.RequestBytes!, step);
            Remove(sa, PeerGoneReason.Refused, "a second IKE_INTERMEDIATE: the suite has one additional key exchange", step);
            return;
        }
        var ke = request.Find<KeyExchangePayload>();
        if (ke is null || ke.Group != suite.AdditionalKe)
        {
            sa.Ctx.SendResponse(h.Exchange, h.MessageId, [new NotifyPayload(NotifyType.INVALID_SYNTAX)], inbound.RequestBytes!, step);
            Remove(sa, PeerGoneReason.Refused, ke is null ? "IKE_INTERMEDIATE without KE" : $"IKE_INTERMEDIATE KE of {ke.Group}, chosen {suite.AdditionalKe}", step);
            return;
        }
        using var shared = DiffieHellman.RespondAdditional(suite.AdditionalKe, ke.Data, _o.Random, out byte[] ourValue);
        if (shared is null)
        {
            sa.Ctx.SendResponse(h.Exchange, h.MessageId, [new NotifyPayload(NotifyType.NO_PROPOSAL_CHOSEN)], inbound.RequestBytes!, step);
            Remove(sa, PeerGoneReason.Refused, $"the initiator's {suite.AdditionalKe} key exchange value is invalid", step);
            return;
        }
        Follow(sa, from);
        IReadOnlyList<IPayload> response = [new KeyExchangePayload(suite.AdditionalKe, ourValue)];
        var ctx = sa.Ctx;
        sa.Intermediate ??= new IntermediateAuth();
        sa.Intermediate.Add(fromInitiator: true, ctx.Prf, ctx.Keys, request.Header, request.Payloads);
        sa.Intermediate.Add(fromInitiator: false, ctx.Prf, ctx.Keys, ctx.Header(h.Exchange, h.MessageId, response: true), response);
        ctx.SendResponse(h.Exchange, h.MessageId, response, inbound.RequestBytes!, step);
        // SKEYSEED = prf(SK_d (old), SK(new) | Ni | Nr); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        var keys = IkeKeySchedule.DeriveRekeyed(suite, ctx.Prf, ctx.Keys.SkD.Span, shared.Span, ctx.Ni, ctx.Nr, ctx.SpiI.Value, ctx.SpiR.Value);
        sa.UpdateKeys(ctx.WithUpdatedKeys(keys));
        sa.AdditionalKeDone = true;
    }
}
