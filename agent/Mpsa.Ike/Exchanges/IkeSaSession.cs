using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>What an established session needs besides its SAs; the same for the CPE and the controller.</summary>
internal sealed record SessionOptions(
    IReadOnlyList<IkeSuite> IkeProposals,
    IReadOnlyList<EspSuite> ChildProposals,
    Func<uint> AllocateChildSpi,
    Func<IkeSpi> NewIkeSpi,
    IRandom Random,
    RetransmitPolicy Retransmit,
    int MaxKeRetries,
    bool FollowPeer)
{
    /// <summary>Our side acts as behind a NAT whatever the NAT-D data says (<see cref="IkeInitiatorOptions.ForceUdpEncapsulation"/>).</summary>
    public bool ForceUdpEncapsulation { get; init; }
}

/// <summary>How a session call ended: null goes on, <see cref="SessionGone"/> ends the whole session.</summary>
internal sealed record SessionGone(PeerGoneReason Reason, string Detail);

/// <summary>
/// One member's established IKE SA through its rekeys (RFC 7296 §2.8, §2.18), for either role: the current SA and
/// CHILD_SA, the SA a rekey replaced (<c>old</c>, until deleted), the redundant SA of a collision (§2.8.2), and the
/// rekeys in flight. Requests in flight on the old SA finish there; queued ones move to the new SA. Every event carries
/// the current SA's <see cref="IkeSaContext.ControllerSpi"/>, whichever SA it happened on.
/// </summary>
internal sealed partial class IkeSaSession : IDisposable
{
    private readonly SessionOptions _o;
    private readonly List<ChildSa> _retiring = [];
    private IkeSaContext? _old;
    private bool _deleteOld;
    private IkeSaContext? _redundant;
    private bool _deleteRedundant;
    private OwnChildRekey? _ownChild;
    private PeerChildRekey? _peerChild;

    private sealed record OwnChildRekey(IkeSaContext On, uint MessageId, ChildSa Old, uint NewSpi, byte[] Ni, IReadOnlyList<EspSuite> Offer);

    private sealed record PeerChildRekey(ChildSa New, byte[] Ni, byte[] Nr);

    public IkeSaSession(IkeSaContext ctx, ChildSa? child, SessionOptions options)
    {
        Ctx = ctx;
        Child = child;
        _o = options;
    }

    public IkeSaContext Ctx { get; private set; }

    public ChildSa? Child { get; private set; }

    /// <summary>Every SA of the session that datagrams may arrive on; the current one first.</summary>
    public IEnumerable<IkeSaContext> Contexts
    {
        get
        {
            yield return Ctx;
            if (_old is not null)
            {
                yield return _old;
            }
            if (_redundant is not null)
            {
                yield return _redundant;
            }
            if (_peerIke is not null)
            {
                yield return _peerIke.NewCtx;
            }
        }
    }

    /// <summary>True when <see cref="Contexts"/> is <see cref="Ctx"/> alone (no rekey or collision in progress).</summary>
    public bool HasOneContext => _old is null && _redundant is null && _peerIke is null;

    /// <summary>The earliest deadline of <see cref="Contexts"/> (asked at every sweep and datagram: no iterator).</summary>
    public MonoTime? Deadline =>
        MonoTime.Min(MonoTime.Min(MonoTime.Min(Ctx.Deadline, _old?.Deadline), MonoTime.Min(_redundant?.Deadline, _peerIke?.NewCtx.Deadline)),
            _peerFollowup?.Expires);

    /// <summary>The first of <see cref="Contexts"/> with the header's SPIs.</summary>
    public IkeSaContext? Find(IkeHeader h) =>
        Has(Ctx, h) ? Ctx : Has(_old, h) ? _old : Has(_redundant, h) ? _redundant : Has(_peerIke?.NewCtx, h) ? _peerIke!.NewCtx : null;

    private static bool Has(IkeSaContext? c, IkeHeader h) => c is not null && c.SpiI == h.SpiI && c.SpiR == h.SpiR;

    private IkeSpi Handle => Ctx.ControllerSpi;

    public SessionGone? Receive(IkeSaContext on, ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, MonoTime now, StepBuilder step,
        Func<IkeMessage, bool>? tooMany = null)
    {
        if (!h.IsResponse)
        {
            on.RespondTo = from;   // RFC 7296 §2.11: answered where it came from, even before the SA moves there
        }
        var inbound = on.Classify(datagram, h, now, step);
        if (inbound.Kind == InboundKind.Drop)
        {
            step.Emit(new MessageDropped(from, inbound.DropReason!));
            return null;
        }
        if (tooMany?.Invoke(inbound.Message!) == true)
        {
            return null;
        }
        if (_o.FollowPeer && !from.Equals(on.Peer) && (!on.Mobike || on.NatDetected && from.Address.Equals(on.Peer.Address)))
        {
            // RFC 7296 §2.23: after an authenticated message from a new address or port, send there. With MOBIKE only
            // UPDATE_SA_ADDRESSES moves the SA to another address (RFC 4555 §3.5, as charon does), but a NAT's new port
            // for the same address is followed: the member cannot see its NAT rebind. An answer goes where its request
            // came from anyway.
            step.Emit(new PeerMoved(Handle, on.Peer, from, null));
            foreach (var c in Contexts)
            {
                c.Peer = from;
            }
        }
        var result = inbound.Kind switch
        {
            InboundKind.Response => OnResponse(on, inbound.Answered!, inbound.Message!, now, step),
            _ when h.Exchange == ExchangeType.INFORMATIONAL => OnInformational(on, h, inbound, from, now, step),
            _ when h.Exchange is ExchangeType.CREATE_CHILD_SA or ExchangeType.IKE_FOLLOWUP_KE => OnCreateChildSa(on, h, inbound, now, step),
            _ => Respond(on, h, inbound, Informational.RefuseCreateChildSa(), step),
        };
        if (result is null)
        {
            TryClose(now, step);
        }
        return result;
    }

    private static SessionGone? Respond(IkeSaContext on, IkeHeader h, InboundMessage inbound, IReadOnlyList<IPayload> response, StepBuilder step)
    {
        on.SendResponse(h.Exchange, h.MessageId, response, inbound.RequestBytes!, step);
        return null;
    }

    private SessionGone? OnResponse(IkeSaContext on, PendingRequest answered, IkeMessage response, MonoTime now, StepBuilder step)
    {
        switch (answered.What.Kind)
        {
            case RequestKind.DeleteIkeSa when on == Ctx:
                return new SessionGone(PeerGoneReason.Closed, "IKE SA deleted");
            case RequestKind.DeleteIkeSa:
                Forget(on);
                break;
            case RequestKind.RekeyIkeSa:
                OnOwnIkeRekeyAnswered(on, answered, response, now, step);
                on.SendNext(now, step);   // what stayed queued on this SA (nothing, if it was replaced)
                break;
            case RequestKind.IkeFollowupKe:
                OnOwnFollowupAnswered(on, answered, response, now, step);
                on.SendNext(now, step);
                break;
            case RequestKind.RekeyChildSa:
                OnOwnChildRekeyAnswered(on, answered, response, now, step);
                break;
            case RequestKind.UpdateSaAddresses:
                OnOwnAddressUpdateAnswered(on, answered, response, step);
                break;
            case RequestKind.DeleteChildSa:
                // HDR, SK {D(ESP, old inbound)} -->  <-- HDR, SK {D(ESP, the peer's old inbound)} (§1.4.1)
                uint ourInbound = answered.What.MpsaSpis![0].Value;
                if (_retiring.Find(c => c.InboundSpi == ourInbound) is { } gone)
                {
                    _retiring.Remove(gone);
                    step.Emit(new ChildSaDeleted(Handle, [gone.OutboundSpi]));
                    gone.Dispose();
                }
                break;
            default:
                Informational.ProcessResponse(on, answered, response, step);
                break;
        }
        return null;
    }

    private SessionGone? OnInformational(IkeSaContext on, IkeHeader h, InboundMessage inbound, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        var request = inbound.Message!;
        var moved = IsAddressUpdate(on, request) ? OnPeerAddressUpdate(on, request, from, step) : null;
        if (on == Ctx && Child is { } current && _peerChild is { } adoptChild
            && request.Find<DeletePayload>(d => d.ProtocolId == ProtocolId.ESP && Sequences.Contains(d.Spis, current.OutboundSpi)) is not null)
        {
            // §2.25.1: the peer deletes the CHILD_SA we both rekeyed: its rekey stands, ours is forgotten
            _peerChild = null;
            CancelOwnChildRekey(step, "the peer deleted the CHILD_SA being rekeyed");
            Replace(adoptChild.New, deleteOld: false, now, step);
        }
        var answer = Informational.ProcessRequest(on, request, [.. Child is null ? [] : new[] { Child }, .. _retiring], step);
        foreach (var d in request.All<DeletePayload>(d => d.ProtocolId == ProtocolId.ESP))
        {
            foreach (var gone in _retiring.FindAll(c => Sequences.Contains(d.Spis, c.OutboundSpi)))
            {
                _retiring.Remove(gone);
                gone.Dispose();
            }
        }
        if (answer.Puts is { } puts)
        {
            // the answer says what the CPE did with them: it waits for AnswerDeferred
            on.DeferResponse(h.Exchange, h.MessageId, answer.Response, inbound.RequestBytes!);
            step.Emit(new MpsaReceived(on.EventSpi, h.MessageId, puts, on.PeerSupportsMpsa));
            return null;
        }
        on.SendResponse(h.Exchange, h.MessageId, EchoCookie2(request, moved is null ? answer.Response : [.. answer.Response, .. moved]),
            inbound.RequestBytes!, step);
        if (!answer.IkeSaDeleted)
        {
            return null;
        }
        if (on == Ctx && _peerIke is { } adopt)
        {
            // §2.25.2: the peer closes the IKE SA we both rekeyed: its new SA stands, our rekey is forgotten
            _peerIke = null;
            CancelOwnIkeRekey(step, "the peer deleted the IKE SA being rekeyed");
            Switch(adopt.NewCtx, startedByPeer: true, deleteOld: false, now, step);
        }
        else if (on == Ctx)
        {
            return new SessionGone(PeerGoneReason.DeletedByPeer, "the peer deleted the IKE SA");
        }
        // HDR, SK {D(IKE)} on a replaced or redundant SA: what still waited there goes on the current one (§2.18)
        var unanswered = on.TakeUnanswered(withPending: true);
        Forget(on);
        Resend(unanswered, now, step);
        return null;
    }

    private SessionGone? OnCreateChildSa(IkeSaContext on, IkeHeader h, InboundMessage inbound, MonoTime now, StepBuilder step)
    {
        var request = inbound.Message!;
        Action? after = null;
        IReadOnlyList<IPayload> response;
        if (h.Exchange == ExchangeType.IKE_FOLLOWUP_KE)
        {
            response = OnPeerFollowup(on, request, ref after, now, step);
        }
        else if (on != Ctx)
        {
            // §2.25.2: a rekey of an SA we are closing (or one not yet ours) is answered TEMPORARY_FAILURE
            response = [new NotifyPayload(NotifyType.TEMPORARY_FAILURE)];
        }
        else if (request.FindNotify(NotifyType.REKEY_SA) is { } rekey)
        {
            response = OnPeerChildRekey(rekey, request, ref after, now, step);
        }
        else if (request.Find<SecurityAssociationPayload>() is { Proposals: [{ ProtocolId: ProtocolId.IKE }, ..] })
        {
            response = OnPeerIkeRekey(request, ref after, now, step);
        }
        else
        {
            response = Informational.RefuseCreateChildSa();
        }
        on.SendResponse(h.Exchange, h.MessageId, response, inbound.RequestBytes!, step);
        after?.Invoke();
        return null;
    }

    /// <summary>
    /// The new SA becomes current: events carry its SPI from now on, queued requests move to it, and the old SA is
    /// closed once its request in flight and any held answer are done (its D(IKE) is the last request on it).
    /// </summary>
    private void Switch(IkeSaContext next, bool startedByPeer, bool deleteOld, MonoTime now, StepBuilder step)
    {
        var old = Ctx;
        Ctx = next;
        (_old, _deleteOld) = (old, deleteOld);
        Relabel();
        step.Emit(new IkeSaRekeyed(old.SpiI, old.SpiR, next.SpiI, next.SpiR, old.ControllerSpi, next.ControllerSpi, next.Suite, startedByPeer,
            KeymatFingerprint.Of(next.Keys)));
        Resend(old.TakeUnanswered(withPending: false), now, step);
    }

    private void Relabel()
    {
        foreach (var c in Contexts)
        {
            c.EventSpi = Handle;
        }
    }

    /// <summary>Requests taken from an SA that is going, sent again on the current one (new message IDs, new keys).</summary>
    private void Resend(List<(ExchangeTypeAndKind What, IReadOnlyList<IPayload> Inner)> requests, MonoTime now, StepBuilder step)
    {
        foreach (var (what, inner) in requests)
        {
            switch (what.Kind)
            {
                case RequestKind.DeleteIkeSa:
                    continue;   // it was for the SA that is going
                case RequestKind.RekeyIkeSa or RequestKind.IkeFollowupKe:
                    CancelOwnIkeRekey(step, "the IKE SA was rekeyed by the peer meanwhile");
                    continue;
                case RequestKind.UpdateSaAddresses:
                    UpdateAddresses(Ctx.Local, now, step);   // NAT-D hashes the new SA's SPIs
                    continue;
                case RequestKind.RekeyChildSa when _ownChild is { } child:
                    _ownChild = child with { On = Ctx, MessageId = Ctx.NextRequestId };
                    break;
            }
            Ctx.Request(what, inner, now, step);
        }
    }

    /// <summary>Sends D(IKE) on the SAs that are ours to delete, once nothing else is outstanding on them.</summary>
    private void TryClose(MonoTime now, StepBuilder step)
    {
        if (_old is { } old && _deleteOld && Idle(old))
        {
            // HDR, SK {D(IKE)} --> on the old SA (§1.3.2)
            old.Request(Informational.DeleteKind, [DeletePayload.IkeSa], now, step);
        }
        if (_redundant is { } r && _deleteRedundant && Idle(r))
        {
            r.Request(Informational.DeleteKind, [DeletePayload.IkeSa], now, step);
        }
    }

    private bool Idle(IkeSaContext c) =>
        !c.HasQueued(RequestKind.DeleteIkeSa) && !c.HasDeferred && _ownChild?.On != c && _ownIke?.On != c;

    private void Forget(IkeSaContext c)
    {
        if (c == _old)
        {
            _old = null;
        }
        else if (c == _redundant)
        {
            _redundant = null;
        }
        else if (c == _peerIke?.NewCtx)
        {
            _peerIke = null;
        }
        c.Dispose();
    }

    // ---- CHILD_SA rekey (§1.3.3, §2.8) ----

    /// <summary>HDR, SK {N(REKEY_SA), [N(USE_TRANSPORT_MODE),] SA, Ni, TSi, TSr} --> on the current SA.</summary>
    public void RekeyChildSa(MonoTime now, StepBuilder step)
    {
        if (Child is null || _ownChild is not null || _peerChild is not null || _retiring.Count > 0)
        {
            step.Emit(new ChildSaRekeyFailed(Handle, null, Child is null ? "no CHILD_SA" : "a CHILD_SA rekey is already in progress"));
            return;
        }
        uint newSpi = _o.AllocateChildSpi();
        var ni = new byte[32];
        _o.Random.Fill(ni);
        var offer = CurrentFirst(Child.Suite, _o.ChildProposals);
        uint id = Ctx.NextRequestId;
        Ctx.Request(CreateChildSa.RekeyChildKind, CreateChildSa.BuildChildRequest(Child, offer, newSpi, ni), now, step);
        _ownChild = new OwnChildRekey(Ctx, id, Child, newSpi, ni, offer);
    }

    private IReadOnlyList<IPayload> OnPeerChildRekey(NotifyPayload rekey, IkeMessage request, ref Action? after, MonoTime now, StepBuilder step)
    {
        // N(REKEY_SA) names the sender's inbound SPI: our outbound
        uint? spi = rekey.ProtocolId == ProtocolId.ESP && rekey.Spi.Length == 4 ? Proposals.SpiValue(rekey.Spi) : null;
        if (spi is { } s && _retiring.Exists(c => c.OutboundSpi == s))
        {
            return [new NotifyPayload(NotifyType.TEMPORARY_FAILURE)];   // §2.25.1: being deleted
        }
        if (Child is null || spi != Child.OutboundSpi)
        {
            return [new NotifyPayload(ProtocolId.ESP, NotifyType.CHILD_SA_NOT_FOUND, rekey.Spi, [])];
        }
        if (_peerChild is not null)
        {
            return [new NotifyPayload(NotifyType.TEMPORARY_FAILURE)];
        }
        switch (CreateChildSa.ProcessChildRequest(request, _o.ChildProposals))
        {
            case ChildRequestDecision.Accept a:
                uint ourSpi = _o.AllocateChildSpi();
                var nr = new byte[32];
                _o.Random.Fill(nr);
                var old = Child;
                // KEYMAT = prf+(SK_d, Ni | Nr) (§2.17), "initiator" meaning the peer, who started this exchange
                var (iToR, rToI) = ChildKeyMaterial.Derive(Ctx.Prf, Ctx.Keys.SkD.Span, a.Ni, nr, a.Suite);
                var next = new ChildSa(a.Suite, ourSpi, a.PeerSpi, inbound: iToR, outbound: rToI, old.LocalSelectors, old.RemoteSelectors,
                    old.TransportMode, old.UdpEncapsulation);
                if (_ownChild is not null)
                {
                    _peerChild = new PeerChildRekey(next, a.Ni, nr);   // a collision: decided when our own answer comes
                }
                else
                {
                    after = () => Replace(next, deleteOld: false, now, step, outboundAfterOldDeleted: true);
                }
                return CreateChildSa.BuildChildResponse(old, a.Suite, a.Number, ourSpi, nr);
            case ChildRequestDecision.Reject r:
                step.Emit(new ChildSaRekeyFailed(Handle, r.Notify, $"refused the peer's rekey: {r.Reason}") { PeersRekey = true });
                return [new NotifyPayload(r.Notify)];
            default:
                return [new NotifyPayload(NotifyType.INVALID_SYNTAX)];
        }
    }

    private void OnOwnChildRekeyAnswered(IkeSaContext on, PendingRequest answered, IkeMessage response, MonoTime now, StepBuilder step)
    {
        if (_ownChild is not { } own || own.MessageId != answered.MessageId || own.On != on)
        {
            return;
        }
        _ownChild = null;
        var answer = CreateChildSa.ProcessChildResponse(response, own.Offer);
        if (answer is not RekeyAnswer.ChildAccepted a)
        {
            var f = answer as RekeyAnswer.Failed;
            step.Emit(new ChildSaRekeyFailed(Handle, f?.Notify, f?.Reason ?? "unexpected answer"));
            if (_peerChild is { } adopt)
            {
                _peerChild = null;
                Replace(adopt.New, deleteOld: false, now, step);
            }
            return;
        }
        // KEYMAT = prf+(SK_d, Ni | Nr) with the SK_d of the IKE SA the exchange ran on (§2.17)
        var (iToR, rToI) = ChildKeyMaterial.Derive(on.Prf, on.Keys.SkD.Span, own.Ni, a.Nr, a.Suite);
        var next = new ChildSa(a.Suite, own.NewSpi, a.PeerSpi, inbound: rToI, outbound: iToR, own.Old.LocalSelectors, own.Old.RemoteSelectors,
            own.Old.TransportMode, own.Old.UdpEncapsulation);
        if (_peerChild is { } held)
        {
            _peerChild = null;
            if (CreateChildSa.HoldsLowestNonce(own.Ni, a.Nr, held.Ni, held.Nr))
            {
                // §2.8.1: ours holds the lowest nonce: the peer's CHILD_SA stays, ours is redundant and ours to delete
                Replace(held.New, deleteOld: false, now, step);
                _retiring.Add(next);
                DeleteChild(next, now, step);
                return;
            }
            // the peer's is redundant: the peer deletes it; we delete the old one
            _retiring.Add(held.New);
        }
        Replace(next, deleteOld: true, now, step);
    }

    private void CancelOwnChildRekey(StepBuilder step, string why)
    {
        if (_ownChild is not null)
        {
            _ownChild = null;
            step.Emit(new ChildSaRekeyFailed(Handle, null, why));
        }
    }

    private void Replace(ChildSa next, bool deleteOld, MonoTime now, StepBuilder step, bool outboundAfterOldDeleted = false)
    {
        var old = Child!;
        Child = next;
        _retiring.Add(old);
        step.Emit(new ChildSaRekeyed(Handle, old, next) { OutboundAfterOldDeleted = outboundAfterOldDeleted });
        if (deleteOld)
        {
            DeleteChild(old, now, step);
        }
    }

    /// <summary>HDR, SK {D(ESP, our inbound SPI)} --></summary>
    private void DeleteChild(ChildSa child, MonoTime now, StepBuilder step) =>
        Ctx.Request(Informational.DeleteChildKind with { MpsaSpis = [new EspSpi(child.InboundSpi)] },
            [new DeletePayload(ProtocolId.ESP, [child.InboundSpi])], now, step);

    // ---- requests, answers, timers ----

    /// <summary>Sends the held answer to request <paramref name="messageId"/>: on the old SA first, where it may still wait.</summary>
    public bool AnswerDeferred(uint messageId, IReadOnlyList<IPayload> extra, MonoTime now, StepBuilder step)
    {
        var newestFirst = new List<IkeSaContext>(Contexts);
        newestFirst.Reverse();
        foreach (var c in newestFirst)
        {
            if (c.AnswerDeferred(messageId, extra, step))
            {
                TryClose(now, step);
                return true;
            }
        }
        return false;
    }

    public SessionGone? OnTimeout(MonoTime now, StepBuilder step)
    {
        if (_peerFollowup is { } waiting && now >= waiting.Expires)
        {
            ForgetPeerFollowup(step, "no IKE_FOLLOWUP_KE came");
        }
        foreach (var c in new List<IkeSaContext>(Contexts))
        {
            var p = c.Pending;
            if (p is null || c.OnTimeout(now, step))
            {
                continue;
            }
            if (c != Ctx && p.What.Kind == RequestKind.DeleteIkeSa)
            {
                Forget(c);   // the D(IKE) of a replaced SA went unanswered: the new SA is what matters
                continue;
            }
            return new SessionGone(p.What.Kind == RequestKind.DeleteIkeSa ? PeerGoneReason.Closed : PeerGoneReason.NoResponse,
                $"no response to {p.What.Kind} after {p.Transmissions} transmissions");
        }
        return null;
    }

    public void Dispose()
    {
        foreach (var c in new List<IkeSaContext>(Contexts))
        {
            c.Dispose();
        }
        _ownIke?.Dispose();
        _peerFollowup?.Dispose();
        Child?.Dispose();
        _peerChild?.New.Dispose();
        foreach (var c in _retiring)
        {
            c.Dispose();
        }
        _retiring.Clear();
    }
}
