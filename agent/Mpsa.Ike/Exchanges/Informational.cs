using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 7296 §1.4 INFORMATIONAL on an established IKE SA, and draft-mpsa §3.1's push:
///   <--  HDR, SK {N(MPSA_PUT)...}        HDR, SK {}  -->  or  HDR, SK {N(error, ESP, SPI)}  -->  (the CPE's verdict)
///   HDR, SK {N(TEMPORARY_FAILURE, ESP, SPI)}  -->   <--  HDR, SK {}   (an accepted SA failed later, at ROLL1)
///   HDR, SK {D}  -->                <--  HDR, SK {[D]}
///   HDR, SK {}   -->  (liveness)    <--  HDR, SK {}
/// </summary>
internal static class Informational
{
    public static IReadOnlyList<IPayload> MpsaPutRequest(IReadOnlyList<MpsaPut> puts)
    {
        var payloads = new List<IPayload>(puts.Count);
        foreach (var p in puts)
        {
            payloads.Add(p.ToNotify());
        }
        return payloads;
    }

    public static ExchangeTypeAndKind MpsaPutKind(IReadOnlyList<MpsaPut> puts)
    {
        var spis = new List<EspSpi>(puts.Count);
        foreach (var p in puts)
        {
            spis.Add(p.Spi);
        }
        return new(ExchangeType.INFORMATIONAL, RequestKind.MpsaPut, spis);
    }

    public static readonly ExchangeTypeAndKind LivenessKind = new(ExchangeType.INFORMATIONAL, RequestKind.Liveness);
    public static readonly ExchangeTypeAndKind DeleteKind = new(ExchangeType.INFORMATIONAL, RequestKind.DeleteIkeSa);

    public static readonly ExchangeTypeAndKind MpsaRefusalKind = new(ExchangeType.INFORMATIONAL, RequestKind.MpsaRefusal);

    /// <summary>
    /// Answers a peer's request. MPSA_PUT is taken only from a responder (we are the CPE, the initiator). When the
    /// request carries MPSA_PUTs that decode, the answer waits for the CPE's verdict: <see cref="InformationalAnswer.Puts"/>
    /// is set and <see cref="InformationalAnswer.Response"/> holds the rest of the answer.
    /// </summary>
    public static InformationalAnswer ProcessRequest(IkeSaContext ctx, IkeMessage request, IReadOnlyList<ChildSa> children, StepBuilder step)
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
                step.Emit(new ChildSaDeleted(ctx.EventSpi, d.Spis));
                // §1.4.1: answer with the SPIs of our half of each pair the peer deleted.
                var ours = new List<uint>();
                foreach (var c in children)
                {
                    if (Sequences.Contains(d.Spis, c.OutboundSpi))
                    {
                        ours.Add(c.InboundSpi);
                    }
                }
                if (ours.Count > 0)
                {
                    response.Add(new DeletePayload(ProtocolId.ESP, ours));
                }
            }
        }
        // an initiator that refused our AUTH says so after IKE_AUTH (RFC 7296 §2.21.2): the SA is as good as deleted
        if (deleted || request.FindNotify(NotifyType.AUTHENTICATION_FAILED) is not null)
        {
            IkeMessage.ZeroKeyMaterial(request.Payloads);   // an MPSA_PUT beside it is never decoded
            return new([], true, null);
        }
        if (!ctx.IsCpe)
        {
            ReportedRefusals(ctx, request, step);
        }
        var notifies = request.All<NotifyPayload>(n => n.NotifyType == NotifyType.MPSA_PUT);
        if (notifies.Count == 0)
        {
            return new(response, false, null);
        }
        if (!ctx.IsCpe)
        {
            IkeMessage.ZeroKeyMaterial(request.Payloads);
            step.Emit(new MpsaRejected(ctx.EventSpi, "MPSA_PUT sent by the initiator"));
            response.Add(new NotifyPayload(NotifyType.INVALID_SYNTAX));
            return new(response, false, null);
        }
        var puts = new List<MpsaPut>(notifies.Count);
        foreach (var n in notifies)
        {
            try
            {
                puts.Add(MpsaPut.Decode(n));
            }
            catch (IkeParseException e)
            {
                // all or nothing: one bad SA refuses the message, and nothing of it is installed
                foreach (var p in puts)
                {
                    p.Dispose();
                }
                IkeMessage.ZeroKeyMaterial(request.Payloads);   // the MPSA_PUTs after it were never decoded
                step.Emit(new MpsaRejected(ctx.EventSpi, e.Message));
                response.Add(n.Spi.Length == 4
                    ? new NotifyPayload(ProtocolId.ESP, NotifyType.INVALID_SYNTAX, n.Spi, [])
                    : new NotifyPayload(NotifyType.INVALID_SYNTAX));
                return new(response, false, null);
            }
        }
        return new(response, false, puts);
    }

    /// <summary>HDR, SK {N(TEMPORARY_FAILURE, ESP, SPI)} --> from a CPE: an SA it accepted could not be carried out later.</summary>
    private static void ReportedRefusals(IkeSaContext ctx, IkeMessage request, StepBuilder step)
    {
        foreach (var n in request.All<NotifyPayload>())
        {
            if (n.IsError && n.ProtocolId == ProtocolId.ESP && n.Spi.Length == 4)
            {
                step.Emit(new MpsaRefusalReported(ctx.EventSpi, new EspSpi(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(n.Spi)),
                    n.NotifyType));
            }
        }
    }

    public static void ProcessResponse(IkeSaContext ctx, PendingRequest answered, IkeMessage response, StepBuilder step)
    {
        switch (answered.What.Kind)
        {
            case RequestKind.MpsaPut:
                var error = response.Find<NotifyPayload>(n => n.IsError);
                EspSpi? refused = error is { ProtocolId: ProtocolId.ESP, Spi.Length: 4 }
                    ? new EspSpi(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(error.Spi))
                    : null;
                step.Emit(new MpsaAcknowledged(ctx.EventSpi, answered.What.MpsaSpis ?? [], error?.NotifyType, refused));
                break;
            case RequestKind.Liveness:
                step.Emit(new LivenessConfirmed(ctx.EventSpi));
                break;
            default:
                break;
        }
    }

    /// <summary>RFC 7296 §1.3: a CREATE_CHILD_SA request for a further CHILD_SA (not a rekey) is refused.</summary>
    public static IReadOnlyList<IPayload> RefuseCreateChildSa() => [new NotifyPayload(NotifyType.NO_ADDITIONAL_SAS)];

    public static readonly ExchangeTypeAndKind DeleteChildKind = new(ExchangeType.INFORMATIONAL, RequestKind.DeleteChildSa);
}

/// <summary>What <see cref="Informational.ProcessRequest"/> makes of a request; with <see cref="Puts"/> the answer waits for a verdict.</summary>
internal sealed record InformationalAnswer(IReadOnlyList<IPayload> Response, bool IkeSaDeleted, IReadOnlyList<MpsaPut>? Puts);
