using System.Net;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

public enum InitiatorPhase
{
    Idle,
    IkeSaInit,
    IkeAuth,
    Established,
    Gone,
}

/// <summary>
/// The CPE side of one IKE SA: (datagram, now) in, (datagrams, events) out; no sockets, no clock.
/// The daemon sends <see cref="Step.Send"/>, sleeps until <see cref="NextDeadline"/>, then calls <see cref="OnTimeout"/>.
/// </summary>
public sealed class IkeInitiator : IDisposable
{
    private readonly IkeInitiatorOptions _o;
    private State _state = new Idle();

    public IkeInitiator(IkeInitiatorOptions options, IPEndPoint peer)
    {
        if (options.Proposals.Count == 0 || options.ChildProposals.Count == 0)
        {
            throw new ArgumentException("at least one IKE and one ESP proposal are needed", nameof(options));
        }
        if ((options.Psk is null) == (options.Certificates is null))
        {
            throw new ArgumentException("give a PSK or certificates, exactly one", nameof(options));
        }
        _o = options;
        Peer = peer;
        _local = options.LocalEndpoint;
    }

    private IPEndPoint? _local;

    private abstract record State;
    private sealed record Idle : State;
    private sealed record AwaitingSaInit(IkeSpi SpiI, IDhExchange Dh, byte[] Ni, byte[]? Cookie, PendingRequest Pending, int CookieRetries, int KeRetries) : State;
    private sealed record AwaitingIntermediate(IkeSaContext Ctx, byte[] RealMessage1, byte[] RealMessage2, IDhExchange Ke,
        IReadOnlyList<IPayload> Request, uint MessageId) : State;
    private sealed record AwaitingAuth(IkeSaContext Ctx, byte[] RealMessage1, byte[] RealMessage2, uint? ChildSpi) : State;
    private sealed record Established(IkeSaSession Session) : State;
    private sealed record Gone : State;

    /// <summary>The controller's endpoint; moves to port 4500 when a NAT is detected.</summary>
    public IPEndPoint Peer { get; private set; }

    public InitiatorPhase Phase => _state switch
    {
        Idle => InitiatorPhase.Idle,
        AwaitingSaInit => InitiatorPhase.IkeSaInit,
        AwaitingIntermediate or AwaitingAuth => InitiatorPhase.IkeAuth,
        Established => InitiatorPhase.Established,
        _ => InitiatorPhase.Gone,
    };

    public IkeSuite? Suite => Context?.Suite;
    /// <summary>The CPE's SPI of the current IKE SA (SPIi, or SPIr after a rekey the controller started).</summary>
    public IkeSpi SpiI => _state is AwaitingSaInit s ? s.SpiI : Context is { } c ? (c.IsInitiator ? c.SpiI : c.SpiR) : default;

    /// <summary>The controller's SPI of the current IKE SA: the SpiR every event carries (<see cref="IkeSaContext.ControllerSpi"/>).</summary>
    public IkeSpi SpiR => Context?.ControllerSpi ?? default;
    public ChildSa? ChildSa => (_state as Established)?.Session.Child;

    /// <summary>The current IKE SA's keys (tests compare them across sides).</summary>
    internal IkeSaKeys? Keys => Context?.Keys;
    public string? PeerIdentity => (_state as Established)?.Session.Ctx.PeerIdentity;

    private IkeSaContext? Context => _state switch
    {
        AwaitingIntermediate i => i.Ctx,
        AwaitingAuth a => a.Ctx,
        Established e => e.Session.Ctx,
        _ => null,
    };

    public MonoTime? NextDeadline => _state switch
    {
        AwaitingSaInit s => s.Pending.RetransmitAt,
        AwaitingIntermediate i => i.Ctx.Deadline,
        AwaitingAuth a => a.Ctx.Deadline,
        Established e => e.Session.Deadline,
        _ => null,
    };

    /// <summary>HDR, SAi1, KEi, Ni, V(MPSA) --></summary>
    public Step Start(MonoTime now)
    {
        if (_state is not Idle)
        {
            throw new InvalidOperationException("an initiator starts once; make a new one to reconnect");
        }
        var step = new StepBuilder();
        var spiI = new IkeSpi(SpiSource.RandomIkeSpi(_o.Random));
        var dh = DiffieHellman.ForSaInit(_o.Proposals[0].Dh, _o.Random, _o.KeyShares, now);
        var ni = new byte[32];
        _o.Random.Fill(ni);
        SendSaInit(spiI, dh, ni, cookie: null, cookieRetries: 0, keRetries: 0, now, step);
        return step.Build();
    }

    private void SendSaInit(IkeSpi spiI, IDhExchange dh, byte[] ni, byte[]? cookie, int cookieRetries, int keRetries, MonoTime now, StepBuilder step)
    {
        var natD = NatDetection.ForRequest(spiI, default, _local, Peer, _o.ForceUdpEncapsulation, _o.Random);
        byte[] request = IkeSaInit.BuildRequest(spiI, _o.Proposals, dh, ni, cookie, _o.SendMpsaVendorId, natD,
            !CertificateSupport.IsEnabled || _o.Certificates is null ? null : [SignatureHashAlgorithms.Notify(CertificateAuth.SupportedHashes)]);
        var what = new ExchangeTypeAndKind(ExchangeType.IKE_SA_INIT, RequestKind.IkeSaInit);
        _state = new AwaitingSaInit(spiI, dh, ni, cookie, PendingRequest.First(0, what, request, _o.Retransmit, now), cookieRetries, keRetries);
        step.Send(Peer, request);
    }

    public Step Receive(ReadOnlySpan<byte> datagram, IPEndPoint from, MonoTime now)
    {
        var step = new StepBuilder();
        if (!IkeHeader.TryPeek(datagram, out var h))
        {
            step.Emit(new MessageDropped(from, "shorter than an IKE header"));
            return step.Build();
        }
        switch (_state)
        {
            case AwaitingSaInit s when h.SpiI == s.SpiI && h.IsResponse && h.Exchange == ExchangeType.IKE_SA_INIT && h.MessageId == 0:
                OnSaInitResponse(s, datagram, from, now, step);
                break;
            case AwaitingIntermediate i when Matches(i.Ctx, h):
                OnIntermediateResponse(i, datagram, h, from, now, step);
                break;
            case AwaitingAuth a when Matches(a.Ctx, h):
                OnAuthPhase(a, datagram, h, from, now, step);
                break;
            case Established e when e.Session.Find(h) is { } on:
                if (e.Session.Receive(on, datagram, h, from, now, step) is { } gone)
                {
                    GiveUp(gone.Reason, gone.Reason == PeerGoneReason.DeletedByPeer ? "the responder deleted the IKE SA" : gone.Detail, step);
                }
                break;
            default:
                step.Emit(new MessageDropped(from, $"{h.Exchange} {(h.IsResponse ? "response" : "request")} does not fit phase {Phase}"));
                break;
        }
        return step.Build();
    }

    private static bool Matches(IkeSaContext ctx, IkeHeader h) => h.SpiI == ctx.SpiI && h.SpiR == ctx.SpiR;

    private void OnSaInitResponse(AwaitingSaInit s, ReadOnlySpan<byte> datagram, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        if (!IkeMessage.TryDecode(datagram, out var response, out var error))
        {
            // §2.21.1: an unprotected bad answer may be forged; keep waiting for a good one.
            step.Emit(new MessageDropped(from, $"malformed IKE_SA_INIT response: {error!.Message}"));
            return;
        }
        switch (IkeSaInit.ProcessResponse(response, _o.Proposals, s.Dh.Group))
        {
            case SaInitAnswer.Cookie c when s.CookieRetries < _o.MaxCookieRetries:
                SendSaInit(s.SpiI, s.Dh, s.Ni, c.Data, s.CookieRetries + 1, s.KeRetries, now, step);
                break;
            case SaInitAnswer.RetryWithGroup g when s.KeRetries < _o.MaxKeRetries:
                s.Dh.Dispose();
                SendSaInit(s.SpiI, DiffieHellman.Create(g.Group, _o.Random), s.Ni, s.Cookie, s.CookieRetries, s.KeRetries + 1, now, step);
                break;
            case SaInitAnswer.Cookie or SaInitAnswer.RetryWithGroup:
                GiveUp(PeerGoneReason.Refused, "too many COOKIE or INVALID_KE_PAYLOAD rounds", step);
                break;
            case SaInitAnswer.Failed f:
                GiveUp(f.Notify == NotifyType.NO_PROPOSAL_CHOSEN ? PeerGoneReason.NoProposalChosen : PeerGoneReason.Refused, f.Reason, step);
                break;
            case SaInitAnswer.Malformed m:
                step.Emit(new MessageDropped(from, m.Reason));
                break;
            case SaInitAnswer.Accepted a:
                bool nat = _o.ForceUdpEncapsulation || (_local is { } local && NatDetection.Detected(response, Peer, local) == true);
                StartAuth(s, a, response.Header.SpiR, datagram.ToArray(), nat, now, step);
                break;
        }
    }

    private void StartAuth(AwaitingSaInit s, SaInitAnswer.Accepted a, IkeSpi spiR, byte[] realMessage2, bool natDetected, MonoTime now, StepBuilder step)
    {
        using var sharedSecret = s.Dh.DeriveSharedSecret(a.KeR);
        if (sharedSecret is null)
        {
            step.Emit(new MessageDropped(Peer, "responder's KE value is invalid"));
            return;
        }
        s.Dh.Dispose();
        if (natDetected && Peer.Port != NatDetection.NatTraversalPort)
        {
            // RFC 7296 §2.23: behind a NAT, IKE_AUTH and everything after it go to port 4500.
            Peer = new IPEndPoint(Peer.Address, NatDetection.NatTraversalPort);
        }
        // SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        var keys = IkeKeySchedule.Derive(a.Suite, sharedSecret.Span, s.Ni, a.Nr, s.SpiI.Value, spiR.Value);
        var ctx = new IkeSaContext(true, s.SpiI, spiR, Peer, keys, s.Ni, a.Nr, _o.Random, _o.Retransmit) { PeerSupportsMpsa = a.PeerSupportsMpsa, NatDetected = natDetected, Local = LocalFor(Peer), FragmentationNegotiated = a.Fragmentation, FragmentSize = _o.FragmentSize, PeerAcceptsChildless = a.Childless, KeyShare = (s.Dh as KeyShareLease)?.Share };
        byte[] realMessage1 = s.Pending.Datagram;
        if (a.Suite.HasAdditionalKe)
        {
            // RFC 9370: HDR, SK {KEi(additional)} --> in IKE_INTERMEDIATE (RFC 9242) before IKE_AUTH.
            var ke = DiffieHellman.CreateAdditional(a.Suite.AdditionalKe, _o.Random);
            IReadOnlyList<IPayload> request = [new KeyExchangePayload(ke.Group, ke.PublicValue)];
            uint id = ctx.NextRequestId;
            ctx.Request(new ExchangeTypeAndKind(ExchangeType.IKE_INTERMEDIATE, RequestKind.IkeIntermediate), request, now, step);
            _state = new AwaitingIntermediate(ctx, realMessage1, realMessage2, ke, request, id);
            return;
        }
        SendAuth(ctx, realMessage1, realMessage2, now, step);
    }

    private void SendAuth(IkeSaContext ctx, byte[] realMessage1, byte[] realMessage2, MonoTime now, StepBuilder step)
    {
        uint? childSpi = IkeAuth.Childless(ctx, _o) ? null : _o.AllocateChildSpi?.Invoke() ?? RandomSpi();
        ctx.Request(new ExchangeTypeAndKind(ExchangeType.IKE_AUTH, RequestKind.IkeAuth), IkeAuth.BuildRequest(ctx, _o, realMessage1, realMessage2, childSpi), now, step);
        _state = new AwaitingAuth(ctx, realMessage1, realMessage2, childSpi);
    }

    /// <summary>&lt;-- HDR, SK {KEr(additional)}: the keys are updated (RFC 9370 §2.2.2), then IKE_AUTH.</summary>
    private void OnIntermediateResponse(AwaitingIntermediate i, ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        if (!h.IsResponse)
        {
            step.Emit(new MessageDropped(from, "request before IKE_AUTH completed"));
            return;
        }
        var inbound = i.Ctx.Classify(datagram, h, now, step);
        if (inbound.Kind != InboundKind.Response)
        {
            step.Emit(new MessageDropped(from, inbound.DropReason ?? "unexpected"));
            return;
        }
        var response = inbound.Message!;
        if (response.Find<NotifyPayload>(n => n.IsError) is { } error)
        {
            GiveUp(PeerGoneReason.Refused, $"IKE_INTERMEDIATE refused with {error.NotifyType}", step);
            return;
        }
        var ke = response.Find<KeyExchangePayload>();
        using var shared = ke is not null && ke.Group == i.Ke.Group ? i.Ke.DeriveSharedSecret(ke.Data) : null;
        if (shared is null)
        {
            GiveUp(PeerGoneReason.Refused, ke is null ? "IKE_INTERMEDIATE response without KE"
                : ke.Group != i.Ke.Group ? $"IKE_INTERMEDIATE KE of {ke.Group}, sent {i.Ke.Group}" : "the responder's additional KE value is invalid", step);
            return;
        }
        var ctx = i.Ctx;
        var auth = new IntermediateAuth();
        auth.Add(fromInitiator: true, ctx.Prf, ctx.Keys, ctx.Header(ExchangeType.IKE_INTERMEDIATE, i.MessageId, response: false), i.Request);
        auth.Add(fromInitiator: false, ctx.Prf, ctx.Keys, response.Header, response.Payloads);
        // SKEYSEED = prf(SK_d (old), SK(new) | Ni | Nr); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        var keys = IkeKeySchedule.DeriveRekeyed(ctx.Suite, ctx.Prf, ctx.Keys.SkD.Span, shared.Span, ctx.Ni, ctx.Nr, ctx.SpiI.Value, ctx.SpiR.Value);
        var next = ctx.WithUpdatedKeys(keys);
        next.IntermediateAuthOctets = auth.ForAuth(next.NextRequestId);
        i.Ke.Dispose();
        ctx.Dispose();
        SendAuth(next, i.RealMessage1, i.RealMessage2, now, step);
    }

    private void OnAuthPhase(AwaitingAuth a, ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        if (!h.IsResponse)
        {
            step.Emit(new MessageDropped(from, "request before IKE_AUTH completed"));
            return;
        }
        var inbound = a.Ctx.Classify(datagram, h, now, step);
        if (inbound.Kind != InboundKind.Response)
        {
            step.Emit(new MessageDropped(from, inbound.DropReason ?? "unexpected"));
            return;
        }
        switch (IkeAuth.ProcessResponse(a.Ctx, inbound.Message!, _o, a.RealMessage2, a.ChildSpi))
        {
            case AuthOutcome.Failed f:
                if (f.TellPeer)
                {
                    // HDR, SK {N(AUTHENTICATION_FAILED)} --> ; no answer awaited (RFC 7296 §2.21.2)
                    a.Ctx.Request(Informational.DeleteKind, [new NotifyPayload(NotifyType.AUTHENTICATION_FAILED)], now, step);
                }
                GiveUp(f.Reason, f.Detail, step);
                break;
            case AuthOutcome.Established e:
                _state = new Established(new IkeSaSession(a.Ctx, e.Child, SessionOptions()));
                step.Emit(new IkeSaEstablished(a.Ctx.SpiI, a.Ctx.SpiR, Peer, a.Ctx.PeerIdentity, a.Ctx.Suite, a.Ctx.PeerSupportsMpsa, KeymatFingerprint.Of(a.Ctx.Keys))
                {
                    AuthLifetime = AuthLifetime.Of(inbound.Message!),
                    Childless = a.ChildSpi is null,
                });
                e.EmitChildEvent(a.Ctx.SpiR, step);
                break;
        }
    }

    public Step OnTimeout(MonoTime now)
    {
        var step = new StepBuilder();
        switch (_state)
        {
            case AwaitingSaInit s when now >= s.Pending.RetransmitAt:
                if (s.Pending.Exhausted(_o.Retransmit))
                {
                    GiveUp(PeerGoneReason.NoResponse, $"no IKE_SA_INIT response after {s.Pending.Transmissions} transmissions", step);
                }
                else
                {
                    _state = s with { Pending = s.Pending.Resent(_o.Retransmit, now) };
                    step.Send(Peer, s.Pending.Datagram);
                }
                break;
            case AwaitingIntermediate i when !i.Ctx.OnTimeout(now, step):
                GiveUp(PeerGoneReason.NoResponse, "no IKE_INTERMEDIATE response", step);
                break;
            case AwaitingAuth a when !a.Ctx.OnTimeout(now, step):
                GiveUp(PeerGoneReason.NoResponse, "no IKE_AUTH response", step);
                break;
            case Established e when e.Session.OnTimeout(now, step) is { } gone:
                GiveUp(gone.Reason, gone.Detail, step);
                break;
        }
        return step.Build();
    }

    /// <summary>
    /// The CPE's verdict on the MPSA_PUTs of request <paramref name="messageId"/> (<see cref="MpsaReceived"/>), sent
    /// after the data plane carried them out: <c>HDR, SK {} --></c> when installed,
    /// <c>HDR, SK {N(error, ESP, SPI)} --></c> when refused. Nothing is sent for an unknown ID or a gone SA.
    /// </summary>
    public Step AnswerMpsaPut(uint messageId, MpsaRefusal? refusal, MonoTime now)
    {
        var step = new StepBuilder();
        if (_state is Established e)
        {
            e.Session.AnswerDeferred(messageId, refusal is null ? [] : [refusal.ToNotify()], now, step);
        }
        return step.Build();
    }

    /// <summary>HDR, SK {N(TEMPORARY_FAILURE, ESP, SPI)} --> : an SA accepted earlier could not be carried out (ROLL1).</summary>
    public Step ReportRefusal(MpsaRefusal refusal, MonoTime now)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var step = new StepBuilder();
        if (_state is Established e)
        {
            e.Session.Ctx.Request(Informational.MpsaRefusalKind, [refusal.ToNotify()], now, step);
        }
        return step.Build();
    }

    /// <summary>The IKE SA is up and a NAT is on its path (found, or forced): it lives on port 4500 and ESP goes in UDP.</summary>
    public bool NatOnPath => _state is Established e && e.Session.Ctx.NatDetected;

    /// <summary>Both sides announced MOBIKE (RFC 4555): an address change can move this IKE SA (<see cref="UpdateAddresses"/>).</summary>
    public bool CanMove => _state is Established e && e.Session.Ctx.Mobike;

    /// <summary>
    /// HDR, SK {N(UPDATE_SA_ADDRESSES), [N(NAT_DETECTION_*)], N(COOKIE2)} --> after our address changed (RFC 4555 §3.5):
    /// sent from wherever the daemon's socket now sends from; <paramref name="local"/> (null: unknown, no NAT-D) is that
    /// address and our IKE port. Then <see cref="IkeSaMoved"/>, or <see cref="IkeSaMoveFailed"/>, or, unanswered, PeerGone.
    /// </summary>
    public Step UpdateAddresses(IPEndPoint? local, MonoTime now)
    {
        _local = local;
        return CanMove ? OnSession((s, step) => s.UpdateAddresses(LocalFor(Peer), now, step)) : Step.None;
    }

    /// <summary>Our endpoint as the controller sees it sent from: on the NAT-T port once IKE floated there.</summary>
    private IPEndPoint? LocalFor(IPEndPoint peer) =>
        _local is { } l && peer.Port == NatDetection.NatTraversalPort ? new IPEndPoint(l.Address, NatDetection.NatTraversalPort) : _local;

    /// <summary>HDR, SK {} --> : asks the responder to prove it is alive (RFC 7296 §2.4).</summary>
    public Step CheckLiveness(MonoTime now)
    {
        var step = new StepBuilder();
        if (_state is Established e && !e.Session.Ctx.HasQueued(RequestKind.Liveness))
        {
            e.Session.Ctx.Request(Informational.LivenessKind, [], now, step);
        }
        return step.Build();
    }

    /// <summary>HDR, SK {D(IKE)} --> ; the SA is gone when the answer arrives or retransmission gives up.</summary>
    public Step Close(MonoTime now)
    {
        var step = new StepBuilder();
        switch (_state)
        {
            case Established e when !e.Session.Ctx.HasQueued(RequestKind.DeleteIkeSa):
                e.Session.Ctx.Request(Informational.DeleteKind, [DeletePayload.IkeSa], now, step);
                break;
            case Idle or AwaitingSaInit or AwaitingIntermediate or AwaitingAuth:
                GiveUp(PeerGoneReason.Closed, "closed before the IKE SA was up", step);
                break;
        }
        return step.Build();
    }

    private void GiveUp(PeerGoneReason reason, string detail, StepBuilder step)
    {
        step.Emit(new PeerGone(SpiR, Peer, PeerIdentity ?? "", reason, detail));
        ReleaseState();
        _state = new Gone();
    }

    private void ReleaseState()
    {
        switch (_state)
        {
            case AwaitingSaInit s:
                s.Dh.Dispose();
                break;
            case AwaitingIntermediate i:
                i.Ke.Dispose();
                i.Ctx.Dispose();
                break;
            case AwaitingAuth a:
                a.Ctx.Dispose();
                break;
            case Established e:
                e.Session.Dispose();
                break;
        }
    }

    private uint RandomSpi() => SpiSource.Random(_o.Random);

    private SessionOptions SessionOptions() => new(_o.Proposals, _o.ChildProposals, () => _o.AllocateChildSpi?.Invoke() ?? RandomSpi(),
        () => new IkeSpi(SpiSource.RandomIkeSpi(_o.Random)), _o.Random, _o.Retransmit, _o.MaxKeRetries, FollowPeer: false)
    {
        ForceUdpEncapsulation = _o.ForceUdpEncapsulation,
    };

    /// <summary>
    /// HDR, SK {SA, Ni, KEi} --> : rekeys the IKE SA (RFC 7296 §1.3.2) with the current suite and a new DH; then
    /// <see cref="IkeSaRekeyed"/>, and the old SA is deleted once what was in flight on it is done.
    /// </summary>
    public Step RekeyIkeSa(MonoTime now) => OnSession((s, step) => s.RekeyIkeSa(now, step));

    /// <summary>HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr} --> : rekeys the CHILD_SA (RFC 7296 §1.3.3); then
    /// <see cref="ChildSaRekeyed"/>, and the old one is deleted (<see cref="ChildSaDeleted"/>).</summary>
    public Step RekeyChildSa(MonoTime now) => OnSession((s, step) => s.RekeyChildSa(now, step));

    private Step OnSession(Action<IkeSaSession, StepBuilder> act)
    {
        var step = new StepBuilder();
        if (_state is Established e)
        {
            act(e.Session, step);
        }
        return step.Build();
    }

    public void Dispose()
    {
        ReleaseState();
        _state = new Gone();
    }
}
