using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// The controller side: every IKE SA with every member, one state machine, (datagram, now) in, (datagrams, events) out.
/// Half-open SAs are answered with cookies above a threshold (RFC 7296 §2.6); SAs in total and per source address,
/// message size and payload count are bounded (<see cref="ResponderLimits"/>); timers live in one queue.
/// </summary>
public sealed partial class IkeResponder : IDisposable
{
    private readonly IkeResponderOptions _o;
    private readonly Dictionary<IkeSpi, ResponderSa> _sas = [];
    private readonly Dictionary<(IkeSpi SpiI, IPEndPoint From), IkeSpi> _halfOpenByInitiator = [];
    private readonly Dictionary<IPAddress, int> _sasByAddress = [];
    private readonly PriorityQueue<IkeSpi, MonoTime> _timers = new();
    private readonly CookieGenerator _cookies;

    public IkeResponder(IkeResponderOptions options)
    {
        _o = options;
        _cookies = new CookieGenerator(options.Random);
    }

    private enum SaPhase
    {
        HalfOpen,
        Established,
    }

    private sealed class ResponderSa(IkeSaContext ctx, byte[] initRequest, byte[] initResponse, MonoTime halfOpenExpiry)
    {
        public IkeSaContext Ctx { get; } = ctx;

        /// <summary>Where IKE_SA_INIT came from: the key of the half-open table, whatever the SA floats to later.</summary>
        public IPEndPoint InitFrom { get; } = ctx.Peer;
        public byte[] InitRequest { get; } = initRequest;
        public byte[] InitResponse { get; } = initResponse;
        public MonoTime HalfOpenExpiry { get; } = halfOpenExpiry;
        public SaPhase Phase { get; set; } = SaPhase.HalfOpen;
        public ChildSa? Child { get; set; }
        public MonoTime? ScheduledAt { get; set; }

        public MonoTime? Deadline => Phase == SaPhase.HalfOpen ? MonoTime.Min(HalfOpenExpiry, Ctx.Deadline) : Ctx.Deadline;
    }

    /// <summary>Half-open IKE SAs, counting those whose IKE_SA_INIT is being answered off the loop.</summary>
    public int HalfOpenCount => _halfOpenByInitiator.Count + _pendingInit.Count;

    /// <summary>IKE SAs held, half-open and established.</summary>
    public int IkeSaCount => _sas.Count;

    public int EstablishedCount => _sas.Count - _halfOpenByInitiator.Count;

    /// <summary>The earliest timer; a stale one only causes a spurious, harmless <see cref="OnTimeout"/>.</summary>
    public MonoTime? NextDeadline => _timers.TryPeek(out _, out var at) ? at : null;

    public IEnumerable<(IkeSpi SpiR, string PeerIdentity, IPEndPoint Peer)> EstablishedSas =>
        _sas.Values.Where(s => s.Phase == SaPhase.Established).Select(s => (s.Ctx.SpiR, s.Ctx.PeerIdentity, s.Ctx.Peer));

    /// <param name="local">The address and port the datagram arrived on, when the socket is bound to one address:
    /// with it, NAT detection is answered (RFC 7296 §2.23). Without it (a wildcard bind) no NAT-D is sent.</param>
    public Step Receive(ReadOnlySpan<byte> datagram, IPEndPoint from, MonoTime now, IPEndPoint? local = null)
    {
        var step = new StepBuilder();
        if (datagram.Length > _o.Limits.MaxMessageSize)
        {
            step.Emit(new LimitReached(from, "max_message_size", $"{datagram.Length}-byte datagram, limit {_o.Limits.MaxMessageSize}"));
        }
        else if (!IkeHeader.TryPeek(datagram, out var h))
        {
            step.Emit(new MessageDropped(from, "shorter than an IKE header"));
        }
        else if (h.Exchange == ExchangeType.IKE_SA_INIT && !h.IsResponse && h.SpiR.IsZero)
        {
            OnSaInitRequest(datagram, h, from, local, now, step);
        }
        else if (_sas.TryGetValue(h.SpiR, out var sa) && sa.Ctx.SpiI == h.SpiI)
        {
            if (sa.Phase == SaPhase.HalfOpen)
            {
                OnAuthRequest(sa, datagram, h, from, now, step);
            }
            else
            {
                OnEstablished(sa, datagram, h, from, now, step);
            }
            Schedule(sa);
        }
        else
        {
            step.Emit(new MessageDropped(from, $"no IKE SA {h.SpiI}/{h.SpiR}"));
        }
        return step.Build();
    }

    /// <summary>HDR, [N(COOKIE),] SAi1, KEi, Ni, [V]  -->  &lt;-- HDR, SAr1, KEr, Nr, V(MPSA) | N(COOKIE) | N(error)</summary>
    private void OnSaInitRequest(ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, IPEndPoint? local, MonoTime now, StepBuilder step)
    {
        if (_halfOpenByInitiator.TryGetValue((h.SpiI, from), out var existing))
        {
            var known = _sas[existing];
            if (datagram.SequenceEqual(known.InitRequest))
            {
                step.Send(from, known.InitResponse);
            }
            else
            {
                step.Emit(new MessageDropped(from, "second, different IKE_SA_INIT for a half-open SA"));
            }
            return;
        }
        if (_pendingInit.ContainsKey((h.SpiI, from)))
        {
            step.Emit(new MessageDropped(from, "IKE_SA_INIT repeated while its answer is computed"));
            return;
        }
        if (HalfOpenCount >= _o.Limits.MaxHalfOpen)
        {
            step.Emit(new LimitReached(from, "max_half_open", $"{HalfOpenCount} half-open IKE SAs"));
            return;
        }
        if (!IkeMessage.TryDecode(datagram, out var request, out var error))
        {
            if (error!.Error == IkeParseError.UnsupportedCriticalPayload)
            {
                step.Send(from, IkeSaInit.BuildNotifyResponse(h, new NotifyPayload(error.Notify, [error.CriticalPayloadType])));
            }
            step.Emit(new MessageDropped(from, $"malformed IKE_SA_INIT: {error.Message}"));
            return;
        }
        if (TooManyPayloads(request, from, step))
        {
            return;
        }
        var nonce = request.Find<NoncePayload>();
        if (nonce is not null && HalfOpenCount >= _o.CookieThreshold)
        {
            bool valid = request.Payloads[0] is NotifyPayload { NotifyType: NotifyType.COOKIE } c && _cookies.Verify(c.Data, nonce.Data, from, h.SpiI);
            if (!valid)
            {
                step.Send(from, IkeSaInit.BuildNotifyResponse(h, new NotifyPayload(NotifyType.COOKIE, _cookies.Make(nonce.Data, from, h.SpiI))));
                return;
            }
        }
        // Counted after the cookie: a spoofed source cannot use up a real member's share.
        if (_sas.Count + _pendingInit.Count >= _o.Limits.MaxIkeSas)
        {
            step.Emit(new LimitReached(from, "max_ike_sas", $"{_sas.Count + _pendingInit.Count} IKE SAs"));
            return;
        }
        if (_sasByAddress.GetValueOrDefault(from.Address) >= _o.Limits.MaxIkeSasPerAddress)
        {
            step.Emit(new LimitReached(from, "max_ike_sas_per_address", $"{_sasByAddress[from.Address]} IKE SAs from {from.Address}"));
            return;
        }
        switch (IkeSaInit.ProcessRequest(request, _o.Proposals))
        {
            case SaInitDecision.Reject r:
                step.Send(from, IkeSaInit.BuildNotifyResponse(h, new NotifyPayload(r.Notify, r.Data)));
                step.Emit(new MessageDropped(from, $"IKE_SA_INIT refused with {r.Notify}: {r.Reason}"));
                break;
            case SaInitDecision.Accept a:
                bool? nat = local is null ? null : NatDetection.Detected(request, from, local);
                if (_o.OffloadSaInit is null)
                {
                    Accept(a, datagram.ToArray(), h, from, local, nat, now, step);
                }
                else
                {
                    Offload(a, datagram.ToArray(), h, from, local, nat);
                }
                break;
        }
    }

    private void Accept(SaInitDecision.Accept a, byte[] initRequest, IkeHeader h, IPEndPoint from, IPEndPoint? local, bool? nat, MonoTime now, StepBuilder step)
    {
        using var dh = DiffieHellman.Create(a.Suite.Dh, _o.Random);
        using var sharedSecret = dh.DeriveSharedSecret(a.KeI);
        if (sharedSecret is null)
        {
            step.Send(from, IkeSaInit.BuildNotifyResponse(h, new NotifyPayload(NotifyType.INVALID_SYNTAX)));
            step.Emit(new MessageDropped(from, "initiator's KE value is invalid"));
            return;
        }
        IkeSpi spiR;
        do
        {
            spiR = new IkeSpi(SpiSource.RandomIkeSpi(_o.Random));
        }
        while (_sas.ContainsKey(spiR));
        var nr = new byte[32];
        _o.Random.Fill(nr);
        // NAT-D is answered only when the initiator asked (it sent NAT-D) and we know our own address.
        var natD = nat is null ? null : NatDetection.Notifies(h.SpiI, spiR, local!, from);
        byte[] response = IkeSaInit.BuildResponse(h, spiR, a.Suite, a.ProposalNumber, dh, nr, _o.SendMpsaVendorId, natD, IkeAuthCertificates.SaInitExtras(_o));
        // SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        var keys = IkeKeySchedule.Derive(a.Suite, sharedSecret.Span, a.Ni, nr, h.SpiI.Value, spiR.Value);
        var ctx = new IkeSaContext(false, h.SpiI, spiR, from, keys, a.Ni, nr, _o.Random, _o.Retransmit)
        {
            PeerSupportsMpsa = a.PeerSupportsMpsa,
            NatDetected = nat == true,
        };
        var sa = new ResponderSa(ctx, initRequest, response, now + _o.HalfOpenTimeout);
        _sas.Add(spiR, sa);
        _halfOpenByInitiator.Add((h.SpiI, from), spiR);
        _sasByAddress[from.Address] = _sasByAddress.GetValueOrDefault(from.Address) + 1;
        Schedule(sa);
        step.Send(from, response);
    }

    private void OnAuthRequest(ResponderSa sa, ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        if (h.IsResponse || h.Exchange != ExchangeType.IKE_AUTH)
        {
            step.Emit(new MessageDropped(from, $"{h.Exchange} before IKE_AUTH"));
            return;
        }
        var inbound = sa.Ctx.Classify(datagram, h, now, step);
        if (inbound.Kind != InboundKind.Request)
        {
            step.Emit(new MessageDropped(from, inbound.DropReason ?? "unexpected"));
            return;
        }
        if (TooManyPayloads(inbound.Message!, from, step))
        {
            return;
        }
        Follow(sa, from);
        var (response, outcome) = IkeAuth.ProcessRequest(sa.Ctx, inbound.Message!, _o, sa.InitRequest, sa.InitResponse,
            () => _o.AllocateChildSpi?.Invoke() ?? SpiSource.Random(_o.Random));
        sa.Ctx.SendResponse(h.Exchange, h.MessageId, response, inbound.RequestBytes!, step);
        _halfOpenByInitiator.Remove((sa.Ctx.SpiI, sa.InitFrom));
        switch (outcome)
        {
            case AuthOutcome.Failed f:
                Remove(sa, f.Reason, f.Detail, step);
                break;
            case AuthOutcome.Established e:
                sa.Phase = SaPhase.Established;
                sa.Child = e.Child;
                step.Emit(new IkeSaEstablished(sa.Ctx.SpiI, sa.Ctx.SpiR, from, sa.Ctx.PeerIdentity, sa.Ctx.Suite, sa.Ctx.PeerSupportsMpsa,
                    KeymatFingerprint.Of(sa.Ctx.Keys)) { PeerId = sa.Ctx.PeerId });
                step.Emit(e.Child is not null ? new ChildSaEstablished(sa.Ctx.SpiR, e.Child) : new ChildSaFailed(sa.Ctx.SpiR, e.ChildError!.Value));
                break;
        }
    }

    /// <summary>RFC 7296 §2.23: after an authenticated message from a new address or port (a NAT, the float to 4500), answer there.</summary>
    private static void Follow(ResponderSa sa, IPEndPoint from)
    {
        if (!from.Equals(sa.Ctx.Peer))
        {
            sa.Ctx.Peer = from;
        }
    }

    private void OnEstablished(ResponderSa sa, ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        var inbound = sa.Ctx.Classify(datagram, h, now, step);
        if (inbound.Kind != InboundKind.Drop && TooManyPayloads(inbound.Message!, from, step))
        {
            return;
        }
        if (inbound.Kind != InboundKind.Drop)
        {
            Follow(sa, from);
        }
        switch (inbound.Kind)
        {
            case InboundKind.Drop:
                step.Emit(new MessageDropped(from, inbound.DropReason!));
                break;
            case InboundKind.Response when inbound.Answered!.What.Kind == RequestKind.DeleteIkeSa:
                Remove(sa, PeerGoneReason.Closed, "IKE SA deleted", step);
                break;
            case InboundKind.Response:
                Informational.ProcessResponse(sa.Ctx, inbound.Answered!, inbound.Message!, step);
                break;
            case InboundKind.Request when h.Exchange == ExchangeType.INFORMATIONAL:
                var answer = Informational.ProcessRequest(sa.Ctx, inbound.Message!, sa.Child, step);
                sa.Ctx.SendResponse(h.Exchange, h.MessageId, answer.Response, inbound.RequestBytes!, step);
                if (answer.IkeSaDeleted)
                {
                    Remove(sa, PeerGoneReason.DeletedByPeer, "the member deleted the IKE SA", step);
                }
                break;
            case InboundKind.Request:
                sa.Ctx.SendResponse(h.Exchange, h.MessageId, Informational.RefuseCreateChildSa(), inbound.RequestBytes!, step);
                break;
        }
    }

    /// <summary>&lt;-- HDR, SK {N(MPSA_PUT)...}; answered by <see cref="MpsaAcknowledged"/>. Queued behind a request in flight.</summary>
    public Step SendMpsaPut(IkeSpi spiR, IReadOnlyList<MpsaPut> puts, MonoTime now) =>
        RequestOn(spiR, now, (sa, step) => sa.Ctx.Request(Informational.MpsaPutKind(puts), Informational.MpsaPutRequest(puts), now, step));

    public Step CheckLiveness(IkeSpi spiR, MonoTime now) =>
        RequestOn(spiR, now, (sa, step) =>
        {
            if (!sa.Ctx.HasQueued(RequestKind.Liveness))
            {
                sa.Ctx.Request(Informational.LivenessKind, [], now, step);
            }
        });

    /// <summary>&lt;-- HDR, SK {D(IKE)}; the SA goes when answered or when retransmission gives up.</summary>
    public Step Delete(IkeSpi spiR, MonoTime now) =>
        RequestOn(spiR, now, (sa, step) =>
        {
            if (!sa.Ctx.HasQueued(RequestKind.DeleteIkeSa))
            {
                sa.Ctx.Request(Informational.DeleteKind, [DeletePayload.IkeSa], now, step);
            }
        });

    private Step RequestOn(IkeSpi spiR, MonoTime now, Action<ResponderSa, StepBuilder> act)
    {
        var step = new StepBuilder();
        if (_sas.TryGetValue(spiR, out var sa) && sa.Phase == SaPhase.Established)
        {
            act(sa, step);
            Schedule(sa);
        }
        return step.Build();
    }

    public Step OnTimeout(MonoTime now)
    {
        var step = new StepBuilder();
        while (_timers.TryPeek(out var spiR, out var at) && at <= now)
        {
            _timers.Dequeue();
            if (!_sas.TryGetValue(spiR, out var sa) || sa.ScheduledAt != at)
            {
                continue;
            }
            sa.ScheduledAt = null;
            if (sa.Phase == SaPhase.HalfOpen && now >= sa.HalfOpenExpiry)
            {
                _halfOpenByInitiator.Remove((sa.Ctx.SpiI, sa.InitFrom));
                Remove(sa, PeerGoneReason.HalfOpenExpired, "IKE_AUTH never came", step);
                continue;
            }
            var pending = sa.Ctx.Pending;
            if (!sa.Ctx.OnTimeout(now, step))
            {
                Remove(sa, pending!.What.Kind == RequestKind.DeleteIkeSa ? PeerGoneReason.Closed : PeerGoneReason.NoResponse,
                    $"no response to {pending.What.Kind} after {pending.Transmissions} transmissions", step);
                continue;
            }
            Schedule(sa);
        }
        return step.Build();
    }

    /// <summary>Drops an IKE SA without telling the peer (it has come back with a new one, RFC 7296 §2.4 INITIAL_CONTACT).</summary>
    public void Forget(IkeSpi spiR)
    {
        if (_sas.Remove(spiR, out var sa))
        {
            _halfOpenByInitiator.Remove((sa.Ctx.SpiI, sa.InitFrom));
            Uncount(sa);
            sa.Child?.Dispose();
            sa.Ctx.Dispose();
        }
    }

    /// <summary>The certificates an established peer authenticated with (null for a PSK peer): a reload rechecks them.</summary>
    public IReadOnlyList<byte[]>? PeerCertificates(IkeSpi spiR) => _sas.TryGetValue(spiR, out var sa) ? sa.Ctx.PeerCertificates : null;

    /// <summary>Rotates the cookie secret; the daemon calls it now and then (e.g. every few minutes).</summary>
    public void RotateCookieSecret() => _cookies.Rotate();

    private void Schedule(ResponderSa sa)
    {
        if (!_sas.ContainsKey(sa.Ctx.SpiR))
        {
            return;
        }
        var deadline = sa.Deadline;
        if (deadline is { } d && (sa.ScheduledAt is null || d < sa.ScheduledAt.Value))
        {
            _timers.Enqueue(sa.Ctx.SpiR, d);
            sa.ScheduledAt = d;
        }
    }

    private void Remove(ResponderSa sa, PeerGoneReason reason, string detail, StepBuilder step)
    {
        if (_sas.Remove(sa.Ctx.SpiR))
        {
            Uncount(sa);
        }
        step.Emit(new PeerGone(sa.Ctx.SpiR, sa.Ctx.Peer, sa.Ctx.PeerIdentity, reason, detail));
        sa.Child?.Dispose();
        sa.Ctx.Dispose();
    }

    public void Dispose()
    {
        foreach (var sa in _sas.Values)
        {
            sa.Child?.Dispose();
            sa.Ctx.Dispose();
        }
        _sas.Clear();
        _pendingInit.Clear();   // a job still running disposes its keys when it comes back (CompleteSaInit)
        _pendingSpiR.Clear();
        _cookies.Dispose();
    }
}
