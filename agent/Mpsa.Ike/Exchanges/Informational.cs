using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 7296 §1.4 INFORMATIONAL on an established IKE SA, and draft-mpsa §3.1's push:
///   <--  HDR, SK {N(MPSA_PUT)...}        HDR, SK {}  -->
///   HDR, SK {D}  -->                <--  HDR, SK {[D]}
///   HDR, SK {}   -->  (liveness)    <--  HDR, SK {}
/// </summary>
internal static class Informational
{
    public static IReadOnlyList<IPayload> MpsaPutRequest(IReadOnlyList<MpsaPut> puts) => puts.Select(p => (IPayload)p.ToNotify()).ToList();

    public static ExchangeTypeAndKind MpsaPutKind(IReadOnlyList<MpsaPut> puts) =>
        new(ExchangeType.INFORMATIONAL, RequestKind.MpsaPut, puts.Select(p => p.Spi).ToList());

    public static readonly ExchangeTypeAndKind LivenessKind = new(ExchangeType.INFORMATIONAL, RequestKind.Liveness);
    public static readonly ExchangeTypeAndKind DeleteKind = new(ExchangeType.INFORMATIONAL, RequestKind.DeleteIkeSa);

    /// <summary>Answers a peer's request. MPSA_PUT is taken only from a responder (we are the CPE, the initiator).</summary>
    public static (IReadOnlyList<IPayload> Response, bool IkeSaDeleted) ProcessRequest(IkeSaContext ctx, IkeMessage request, ChildSa? child, StepBuilder step)
    {
        var response = new List<IPayload>();
        bool deleted = false;
        foreach (var d in request.All<DeletePayload>())
        {
            if (d.ProtocolId == ProtocolId.IKE)
            {
                deleted = true;
            }
            else if (d.ProtocolId == ProtocolId.ESP)
            {
                step.Emit(new ChildSaDeleted(ctx.SpiR, d.Spis));
                // §1.4.1: answer with the SPIs of our half of each pair the peer deleted.
                if (child is not null && d.Spis.Contains(child.OutboundSpi))
                {
                    response.Add(new DeletePayload(ProtocolId.ESP, [child.InboundSpi]));
                }
            }
        }
        // an initiator that refused our AUTH says so after IKE_AUTH (RFC 7296 §2.21.2): the SA is as good as deleted
        if (deleted || request.FindNotify(NotifyType.AUTHENTICATION_FAILED) is not null)
        {
            return ([], true);
        }
        bool rejected = false;
        foreach (var n in request.All<NotifyPayload>().Where(n => n.NotifyType == NotifyType.MPSA_PUT))
        {
            if (!ctx.IsInitiator)
            {
                rejected = true;
                step.Emit(new MpsaRejected(ctx.SpiR, "MPSA_PUT sent by the initiator"));
                continue;
            }
            try
            {
                step.Emit(new MpsaReceived(ctx.SpiR, MpsaPut.Decode(n)));
            }
            catch (IkeParseException e)
            {
                rejected = true;
                step.Emit(new MpsaRejected(ctx.SpiR, e.Message));
            }
        }
        if (rejected)
        {
            response.Add(new NotifyPayload(NotifyType.INVALID_SYNTAX));
        }
        return (response, false);
    }

    public static void ProcessResponse(IkeSaContext ctx, PendingRequest answered, IkeMessage response, StepBuilder step)
    {
        switch (answered.What.Kind)
        {
            case RequestKind.MpsaPut:
                var error = response.All<NotifyPayload>().FirstOrDefault(n => n.IsError)?.NotifyType;
                step.Emit(new MpsaAcknowledged(ctx.SpiR, answered.What.MpsaSpis ?? [], error));
                break;
            case RequestKind.Liveness:
                step.Emit(new LivenessConfirmed(ctx.SpiR));
                break;
            default:
                break;
        }
    }

    /// <summary>RFC 7296 §1.3: a CREATE_CHILD_SA request may be refused; this system negotiates no further SAs.</summary>
    public static IReadOnlyList<IPayload> RefuseCreateChildSa() => [new NotifyPayload(NotifyType.NO_ADDITIONAL_SAS)];
}
