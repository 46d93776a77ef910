using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// Rekeying the IKE SA (RFC 7296 §1.3.2, §2.18), started by either side, with the collisions of §2.8.2. A suite with an
/// additional key exchange (RFC 9370) is finished in IKE_FOLLOWUP_KE (<see cref="FollowupKeyExchange"/>) on the SA
/// being rekeyed, and a post-quantum IKE SA is only ever rekeyed into another one.
/// </summary>
internal sealed partial class IkeSaSession
{
    private OwnIkeRekey? _ownIke;
    private PeerIkeRekey? _peerIke;
    private PeerFollowup? _peerFollowup;

    private sealed record OwnIkeRekey(IkeSaContext On, uint MessageId, IkeSpi NewSpi, IDhExchange Dh, byte[] Ni, IReadOnlyList<IkeSuite> Offer, int KeRetries)
        : IDisposable
    {
        /// <summary>Set once the answer chose a suite with an additional key exchange: its IKE_FOLLOWUP_KE in flight.</summary>
        public OwnFollowup? Followup { get; init; }

        /// <summary>The peer's rekey, made at the same time, goes on instead: ours ends, unfinished, when answered.</summary>
        public bool Abandoned { get; init; }

        public bool Hybrid => Followup is not null || Offer.Count > 0 && Offer[0].HasAdditionalKe;

        public void Dispose()
        {
            Dh.Dispose();
            Followup?.Dispose();
        }
    }

    /// <summary>Our IKE_FOLLOWUP_KE request: the CREATE_CHILD_SA answer, its shared secret SK(0) and our side of the
    /// additional key exchange.</summary>
    private sealed record OwnFollowup(uint MessageId, RekeyAnswer.IkeAccepted Answer, SecretBytes Sk0, IDhExchange Ke) : IDisposable
    {
        public void Dispose()
        {
            Sk0.Dispose();
            Ke.Dispose();
        }
    }

    /// <summary>An SA we made answering the peer while our own rekey was in flight: kept until ours ends (§2.8.2).</summary>
    private sealed record PeerIkeRekey(IkeSaContext NewCtx, byte[] Ni, byte[] Nr);

    /// <summary>The peer's rekey we answered with N(ADDITIONAL_KEY_EXCHANGE): it waits for the peer's IKE_FOLLOWUP_KE
    /// until <paramref name="Expires"/>.</summary>
    private sealed record PeerFollowup(IkeRequestDecision.Accept Request, IkeSpi OurSpi, byte[] Nr, SecretBytes Sk0, byte[] Link, MonoTime Expires)
        : IDisposable
    {
        public void Dispose() => Sk0.Dispose();
    }

    /// <summary>How long an answered rekey waits for the peer's IKE_FOLLOWUP_KE: the peer's retransmissions of it
    /// (the default policy's, about two minutes) fit within.</summary>
    private static readonly TimeSpan FollowupWait = TimeSpan.FromMinutes(3);

    private bool IkeRekeyBusy => _ownIke is not null || _peerIke is not null || _peerFollowup is not null || _old is not null || _redundant is not null;

    /// <summary>HDR, SK {SA, Ni, KEi} --> on the current SA, proposing its suite (then our others) with a new SPI.</summary>
    public void RekeyIkeSa(MonoTime now, StepBuilder step)
    {
        if (IkeRekeyBusy)
        {
            step.Emit(new IkeSaRekeyFailed(Handle, null, "an IKE SA rekey is already in progress"));
            return;
        }
        SendIkeRekey(RekeyOffer(), Ctx.Suite.Dh, 0, now, step);
    }

    /// <summary>A rekey's offer: the current suite first, then the other configured ones in order; a post-quantum SA
    /// offers only suites with an additional key exchange, a classical one only suites without.</summary>
    private List<IkeSuite> RekeyOffer()
    {
        var offer = CurrentFirst(Ctx.Suite, _o.IkeProposals);
        return Ctx.Suite.HasAdditionalKe ? Proposals.OnlyHybrid(offer) : Proposals.WithoutAdditionalKe(offer);
    }

    /// <summary>What the peer's rekey may choose: a post-quantum SA must stay one; a classical one may become one.</summary>
    private IReadOnlyList<IkeSuite> RekeyAcceptable() => Ctx.Suite.HasAdditionalKe ? Proposals.OnlyHybrid(_o.IkeProposals) : _o.IkeProposals;

    /// <summary>A rekey's offer: the current suite first, then the other configured ones in order.</summary>
    private static List<T> CurrentFirst<T>(T current, IReadOnlyList<T> proposals)
    {
        var offer = new List<T> { current };
        foreach (var s in proposals)
        {
            if (!EqualityComparer<T>.Default.Equals(s, current))
            {
                offer.Add(s);
            }
        }
        return offer;
    }

    private void SendIkeRekey(IReadOnlyList<IkeSuite> offer, DhGroup group, int keRetries, MonoTime now, StepBuilder step)
    {
        var dh = DiffieHellman.Create(group, _o.Random);
        var newSpi = _o.NewIkeSpi();
        var ni = new byte[32];
        _o.Random.Fill(ni);
        uint id = Ctx.NextRequestId;
        Ctx.Request(CreateChildSa.RekeyIkeKind, CreateChildSa.BuildIkeRequest(offer, newSpi, dh, ni), now, step);
        _ownIke = new OwnIkeRekey(Ctx, id, newSpi, dh, ni, offer, keRetries);
    }

    private IReadOnlyList<IPayload> OnPeerIkeRekey(IkeMessage request, ref Action? after, MonoTime now, StepBuilder step)
    {
        if (_peerIke is not null || _peerFollowup is not null || _old is not null || _redundant is not null)
        {
            return [new NotifyPayload(NotifyType.TEMPORARY_FAILURE)];   // the last rekey is still being closed (§2.25)
        }
        var decision = CreateChildSa.ProcessIkeRequest(request, RekeyAcceptable());
        if (decision is IkeRequestDecision.Accept x && _ownIke is { } own && (x.Suite.HasAdditionalKe || own.Hybrid))
        {
            // Both sides rekey at once and one rekey needs IKE_FOLLOWUP_KE: settling it by all four nonces (§2.8.2) would
            // mean finishing both. The rekey whose initiator nonce is higher goes on, the other is refused by its
            // responder (§2.25); both ends see both Ni and so agree. Once our IKE_FOLLOWUP_KE is out, ours goes on.
            if (own.Followup is not null || x.Ni.AsSpan().SequenceCompareTo(own.Ni) <= 0)
            {
                step.Emit(new IkeSaRekeyFailed(Handle, NotifyType.TEMPORARY_FAILURE, "refused the peer's rekey: our own, made at the same time, goes on") { PeersRekey = true });
                return [new NotifyPayload(NotifyType.TEMPORARY_FAILURE)];
            }
            _ownIke = own with { Abandoned = true };
        }
        switch (decision)
        {
            case IkeRequestDecision.Reject r:
                string downgrade = Ctx.Suite.HasAdditionalKe && r.Notify == NotifyType.NO_PROPOSAL_CHOSEN ? " (the IKE SA is post-quantum and stays so)" : "";
                step.Emit(new IkeSaRekeyFailed(Handle, r.Notify, $"refused the peer's rekey: {r.Reason}{downgrade}") { PeersRekey = true });
                return [new NotifyPayload(r.Notify, r.Data)];
            case IkeRequestDecision.Accept a:
                using (var dh = DiffieHellman.Create(a.Suite.Dh, _o.Random))
                {
                    var sharedSecret = dh.DeriveSharedSecret(a.KeI);
                    if (sharedSecret is null)
                    {
                        return [new NotifyPayload(NotifyType.INVALID_SYNTAX)];
                    }
                    var ourSpi = _o.NewIkeSpi();
                    var nr = new byte[32];
                    _o.Random.Fill(nr);
                    if (a.Suite.HasAdditionalKe)
                    {
                        // <-- HDR, SK {SA, Nr, KEr, N(ADDITIONAL_KEY_EXCHANGE)(link)}: the keys wait for IKE_FOLLOWUP_KE
                        var link = new byte[8];
                        _o.Random.Fill(link);
                        _peerFollowup = new PeerFollowup(a, ourSpi, nr, sharedSecret, link, now + FollowupWait);
                        return CreateChildSa.BuildIkeResponse(a.Suite, a.Number, ourSpi, dh, nr, link);
                    }
                    using (sharedSecret)
                    {
                        // SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr); SPIi is the rekey initiator's, here the peer's
                        var keys = IkeKeySchedule.DeriveRekeyed(a.Suite, Ctx.Prf, Ctx.Keys.SkD.Span, sharedSecret.Span, a.Ni, nr, a.PeerSpi.Value, ourSpi.Value);
                        AdoptPeerRekey(Successor(isInitiator: false, a.PeerSpi, ourSpi, keys, a.Ni, nr), a.Ni, nr, ref after, now, step);
                    }
                    return CreateChildSa.BuildIkeResponse(a.Suite, a.Number, ourSpi, dh, nr);
                }
            default:
                return [new NotifyPayload(NotifyType.INVALID_SYNTAX)];
        }
    }

    /// <summary>The peer's new SA: current once our answer is out, or held until our own rekey ends (a collision).</summary>
    private void AdoptPeerRekey(IkeSaContext next, byte[] ni, byte[] nr, ref Action? after, MonoTime now, StepBuilder step)
    {
        if (_ownIke is not null)
        {
            _peerIke = new PeerIkeRekey(next, ni, nr);   // a collision: decided when our own answer comes
            next.EventSpi = Handle;
        }
        else
        {
            after = () => Switch(next, startedByPeer: true, deleteOld: false, now, step);
        }
    }

    /// <summary>
    /// HDR(IKE_FOLLOWUP_KE), SK {N(ADDITIONAL_KEY_EXCHANGE)(link), KEi(1)} --> for the rekey we answered; the new SA's
    /// keys from both secrets. A link we do not hold is answered STATE_NOT_FOUND; any refusal ends that rekey.
    /// </summary>
    private IReadOnlyList<IPayload> OnPeerFollowup(IkeSaContext on, IkeMessage request, ref Action? after, MonoTime now, StepBuilder step)
    {
        var pending = on == Ctx ? _peerFollowup : null;
        var method = pending?.Request.Suite.AdditionalKe ?? DhGroup.NONE;
        switch (FollowupKeyExchange.ProcessRequest(request, pending?.Link, method))
        {
            case FollowupRequest.Reject r:
                if (pending is not null && r.Notify != NotifyType.STATE_NOT_FOUND)
                {
                    ForgetPeerFollowup(step, r.Reason);
                }
                else
                {
                    step.Emit(new IkeSaRekeyFailed(Handle, r.Notify, $"refused the peer's IKE_FOLLOWUP_KE: {r.Reason}") { PeersRekey = true });
                }
                return [new NotifyPayload(r.Notify)];
            case FollowupRequest.Accept f:
                var p = pending!;
                _peerFollowup = null;
                using (p)
                using (var sk1 = DiffieHellman.RespondAdditional(method, f.KeI, _o.Random, out byte[] ourValue))
                {
                    if (sk1 is null)
                    {
                        step.Emit(new IkeSaRekeyFailed(Handle, NotifyType.NO_PROPOSAL_CHOSEN, $"refused the peer's IKE_FOLLOWUP_KE: its {method} key exchange value is invalid") { PeersRekey = true });
                        return [new NotifyPayload(NotifyType.NO_PROPOSAL_CHOSEN)];
                    }
                    var a = p.Request;
                    // SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr | SK(1)) (RFC 9370 §2.2.4)
                    var keys = IkeKeySchedule.DeriveRekeyed(a.Suite, Ctx.Prf, Ctx.Keys.SkD.Span, p.Sk0.Span, a.Ni, p.Nr, a.PeerSpi.Value, p.OurSpi.Value, sk1.Span);
                    AdoptPeerRekey(Successor(isInitiator: false, a.PeerSpi, p.OurSpi, keys, a.Ni, p.Nr), a.Ni, p.Nr, ref after, now, step);
                    return [new KeyExchangePayload(method, ourValue)];
                }
            default:
                return [new NotifyPayload(NotifyType.INVALID_SYNTAX)];
        }
    }

    private void ForgetPeerFollowup(StepBuilder step, string why)
    {
        if (_peerFollowup is { } p)
        {
            _peerFollowup = null;
            p.Dispose();
            step.Emit(new IkeSaRekeyFailed(Handle, null, $"the peer's rekey ended: {why}") { PeersRekey = true });
        }
    }

    private IkeSaContext Successor(bool isInitiator, IkeSpi spiI, IkeSpi spiR, IkeSaKeys keys, byte[] ni, byte[] nr) =>
        new(isInitiator, spiI, spiR, Ctx.Peer, keys, ni, nr, _o.Random, _o.Retransmit, rekeyed: true, isCpe: Ctx.IsCpe)
        {
            // §2.18: the new IKE SA inherits the peer's identity, the CHILD_SA and what IKE_SA_INIT learned
            PeerIdentity = Ctx.PeerIdentity,
            PeerCertificates = Ctx.PeerCertificates,
            PeerSupportsMpsa = Ctx.PeerSupportsMpsa,
            NatDetected = Ctx.NatDetected,
            FragmentationNegotiated = Ctx.FragmentationNegotiated,
            FragmentSize = Ctx.FragmentSize,
            Mobike = Ctx.Mobike,
            Local = Ctx.Local,
        };

    private void OnOwnIkeRekeyAnswered(IkeSaContext on, PendingRequest answered, IkeMessage response, MonoTime now, StepBuilder step)
    {
        if (_ownIke is not { Followup: null } own || own.MessageId != answered.MessageId || own.On != on)
        {
            return;
        }
        _ownIke = null;
        if (own.Abandoned)
        {
            own.Dispose();
            FinishOwnIkeRekey(own.Ni, null, null, null, "the peer's rekey, made at the same time, goes on instead", now, step);
            return;
        }
        var answer = CreateChildSa.ProcessIkeResponse(response, own.Offer, own.Dh.Group);
        if (answer is RekeyAnswer.RetryWithGroup g && own.KeRetries < _o.MaxKeRetries && on == Ctx)
        {
            // HDR, SK {SA, Ni, KEi(g)} --> : the same proposals with the group the peer asked for (§1.3)
            own.Dispose();
            on.SendNext(now, step);   // requests queued behind the first try keep their message IDs
            SendIkeRekey(own.Offer, g.Group, own.KeRetries + 1, now, step);
            return;
        }
        IkeSaContext? next = null;
        string failure = "";
        NotifyType? notify = null;
        switch (answer)
        {
            case RekeyAnswer.IkeAccepted a when a.Suite.HasAdditionalKe:
                if (StartOwnFollowup(on, own, a, now, step) is not { } why)
                {
                    return;
                }
                failure = why;
                break;
            case RekeyAnswer.IkeAccepted a:
                using (var sharedSecret = own.Dh.DeriveSharedSecret(a.KeR))
                {
                    if (sharedSecret is null)
                    {
                        failure = "peer's KE value is invalid";
                        break;
                    }
                    // SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr); {SK_d | ...} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
                    var keys = IkeKeySchedule.DeriveRekeyed(a.Suite, on.Prf, on.Keys.SkD.Span, sharedSecret.Span, own.Ni, a.Nr, own.NewSpi.Value, a.PeerSpi.Value);
                    next = Successor(isInitiator: true, own.NewSpi, a.PeerSpi, keys, own.Ni, a.Nr);
                }
                break;
            case RekeyAnswer.RetryWithGroup r:
                (notify, failure) = (NotifyType.INVALID_KE_PAYLOAD, $"peer asks for group {r.Group} again");
                break;
            case RekeyAnswer.Failed f:
                (notify, failure) = (f.Notify, f.Reason);
                break;
        }
        own.Dispose();
        FinishOwnIkeRekey(own.Ni, (answer as RekeyAnswer.IkeAccepted)?.Nr, next, notify, failure, now, step);
    }

    /// <summary>HDR(IKE_FOLLOWUP_KE), SK {N(ADDITIONAL_KEY_EXCHANGE)(link), KEi(1)} --> after the requests queued
    /// before it (their message IDs are lower); null when sent, else why not.</summary>
    private string? StartOwnFollowup(IkeSaContext on, OwnIkeRekey own, RekeyAnswer.IkeAccepted a, MonoTime now, StepBuilder step)
    {
        if (a.Link is null)
        {
            return "the answer chose an additional key exchange without N(ADDITIONAL_KEY_EXCHANGE)";
        }
        var sk0 = own.Dh.DeriveSharedSecret(a.KeR);
        if (sk0 is null)
        {
            return "peer's KE value is invalid";
        }
        own.Dh.Dispose();
        var ke = DiffieHellman.CreateAdditional(a.Suite.AdditionalKe, _o.Random);
        on.SendNext(now, step);
        uint id = on.NextRequestId;
        on.Request(FollowupKeyExchange.Kind, FollowupKeyExchange.BuildRequest(a.Link, ke), now, step);
        _ownIke = own with { Followup = new OwnFollowup(id, a, sk0, ke) };
        return null;
    }

    /// <summary>&lt;-- HDR(IKE_FOLLOWUP_KE), SK {KEr(1)}: the new SA's keys from both secrets (RFC 9370 §2.2.4).</summary>
    private void OnOwnFollowupAnswered(IkeSaContext on, PendingRequest answered, IkeMessage response, MonoTime now, StepBuilder step)
    {
        if (_ownIke is not { Followup: { } f } own || f.MessageId != answered.MessageId || own.On != on)
        {
            return;
        }
        _ownIke = null;
        using (own)
        {
            var a = f.Answer;
            IkeSaContext? next = null;
            (NotifyType? notify, string failure) = (null, "");
            switch (FollowupKeyExchange.ProcessResponse(response, a.Suite.AdditionalKe))
            {
                case FollowupAnswer.Failed x:
                    (notify, failure) = (x.Notify, x.Reason);
                    break;
                case FollowupAnswer.Accepted x:
                    using (var sk1 = f.Ke.DeriveSharedSecret(x.KeR))
                    {
                        if (sk1 is null)
                        {
                            failure = $"peer's {a.Suite.AdditionalKe} key exchange value is invalid";
                            break;
                        }
                        // SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr | SK(1)); {SK_d | ...} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
                        var keys = IkeKeySchedule.DeriveRekeyed(a.Suite, on.Prf, on.Keys.SkD.Span, f.Sk0.Span, own.Ni, a.Nr, own.NewSpi.Value, a.PeerSpi.Value, sk1.Span);
                        next = Successor(isInitiator: true, own.NewSpi, a.PeerSpi, keys, own.Ni, a.Nr);
                    }
                    break;
            }
            FinishOwnIkeRekey(own.Ni, a.Nr, next, notify, failure, now, step);
        }
    }

    /// <summary>Our rekey made <paramref name="next"/>, or failed: settles a collision with the peer's (§2.8.2) and switches.</summary>
    private void FinishOwnIkeRekey(byte[] ni, byte[]? nr, IkeSaContext? next, NotifyType? notify, string failure, MonoTime now, StepBuilder step)
    {
        if (next is null)
        {
            step.Emit(new IkeSaRekeyFailed(Handle, notify, failure));
            if (_peerIke is { } adopt)
            {
                // ours failed (TEMPORARY_FAILURE after a collision, §2.25): the peer's new SA is the one
                _peerIke = null;
                Switch(adopt.NewCtx, startedByPeer: true, deleteOld: false, now, step);
            }
            return;
        }
        if (_peerIke is { } held && CreateChildSa.HoldsLowestNonce(ni, nr!, held.Ni, held.Nr))
        {
            // §2.8.2: ours holds the lowest nonce, so ours is redundant: we delete it, the peer the old one
            _peerIke = null;
            Switch(held.NewCtx, startedByPeer: true, deleteOld: false, now, step);
            (_redundant, _deleteRedundant) = (next, true);
            Relabel();
            return;
        }
        var redundant = _peerIke?.NewCtx;   // §2.8.2: the peer made it with the lowest nonce; the peer deletes it
        _peerIke = null;
        Switch(next, startedByPeer: false, deleteOld: true, now, step);
        if (redundant is not null)
        {
            (_redundant, _deleteRedundant) = (redundant, false);
            Relabel();
        }
    }

    /// <summary>Our rekey is given up (the peer rekeyed or deleted the SA meanwhile).</summary>
    private void CancelOwnIkeRekey(StepBuilder step, string why)
    {
        if (_ownIke is { } own)
        {
            _ownIke = null;
            own.Dispose();
            step.Emit(new IkeSaRekeyFailed(Handle, null, why));
        }
    }
}
