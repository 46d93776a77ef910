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

    /// <summary>Our SPIs of the SAs a session still holds besides its current one (replaced, redundant, being made
    /// by a rekey collision): datagrams on them still reach the session until they are deleted.</summary>
    private readonly Dictionary<IkeSpi, ResponderSa> _aliases = [];
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
        /// <summary>The current IKE SA: the first one, or the newest once established and rekeyed.</summary>
        public IkeSaContext Ctx => Session?.Ctx ?? ctx;

        /// <summary>What the IKE_INTERMEDIATE exchanges add to AUTH; null before the first.</summary>
        public IntermediateAuth? Intermediate { get; set; }

        /// <summary>The suite's additional key exchange is done (the keys are updated).</summary>
        public bool AdditionalKeDone { get; set; }

        /// <summary>Half-open: the SA under the keys of an additional key exchange; the old context is disposed.</summary>
        public void UpdateKeys(IkeSaContext next)
        {
            var old = ctx;
            ctx = next;
            old.Dispose();
        }

        /// <summary>Set once IKE_AUTH succeeded: the SA with its CHILD_SA through its rekeys.</summary>
        public IkeSaSession? Session { get; set; }

        /// <summary>Where the SA is filed in <see cref="_sas"/>: our SPI of the current SA (the daemon's handle).</summary>
        public IkeSpi Key { get; set; } = ctx.SpiR;

        public List<IkeSpi> Aliases { get; } = [];

        /// <summary>Where IKE_SA_INIT came from: the key of the half-open table, whatever the SA floats to later.</summary>
        public IPEndPoint InitFrom { get; } = ctx.Peer;
        /// <summary>IKE_SA_INIT as it went: for AUTH and for answering its retransmissions; let go once IKE_AUTH is
        /// answered (with the post-quantum suite they are over 2 kB, kept for every member otherwise).</summary>
        public byte[] InitRequest { get; private set; } = initRequest;
        public byte[] InitResponse { get; private set; } = initResponse;

        public void ForgetInitMessages() => InitRequest = InitResponse = [];
        public MonoTime HalfOpenExpiry { get; } = halfOpenExpiry;

        /// <summary>Our IKE_SA_INIT response carried NAT detection: the initiator may move to port 4500 for IKE_AUTH.</summary>
        public bool NatDetectionAnswered { get; init; }
        public SaPhase Phase { get; set; } = SaPhase.HalfOpen;
        public MonoTime? ScheduledAt { get; set; }

        public MonoTime? Deadline => Phase == SaPhase.HalfOpen ? MonoTime.Min(HalfOpenExpiry, Ctx.Deadline) : Session?.Deadline;
    }

    /// <summary>Half-open IKE SAs, counting those whose IKE_SA_INIT is being answered off the loop.</summary>
    public int HalfOpenCount => _halfOpenByInitiator.Count + _pendingInit.Count;

    /// <summary>IKE SAs held, half-open and established.</summary>
    public int IkeSaCount => _sas.Count;

    public int EstablishedCount => _sas.Count - _halfOpenByInitiator.Count;

    /// <summary>
    /// Room for <paramref name="ikeSas"/> IKE SAs in the tables, made now rather than while they connect: a table that
    /// grows past 85 kB takes a large-object array, and in a connect storm those count toward the budget whose overrun
    /// is a blocking gen-2 collection.
    /// </summary>
    public void Reserve(int ikeSas)
    {
        _sas.EnsureCapacity(ikeSas);
        _timers.EnsureCapacity(2 * ikeSas);   // a setup queues its half-open expiry, then its first retransmission
    }

    /// <summary>The earliest timer; a stale one only causes a spurious, harmless <see cref="OnTimeout"/>.</summary>
    public MonoTime? NextDeadline => _timers.TryPeek(out _, out var at) ? at : null;

    public IEnumerable<(IkeSpi SpiR, string PeerIdentity, IPEndPoint Peer)> EstablishedSas
    {
        get
        {
            var established = new List<(IkeSpi, string, IPEndPoint)>();
            foreach (var s in _sas.Values)
            {
                if (s.Phase == SaPhase.Established)
                {
                    established.Add((s.Key, s.Ctx.PeerIdentity, s.Ctx.Peer));
                }
            }
            return established;
        }
    }

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
        else if (Lookup(h.IsFromInitiator ? h.SpiR : h.SpiI) is { } sa
            && (sa.Phase == SaPhase.HalfOpen ? sa.Ctx.SpiI == h.SpiI && sa.Ctx.SpiR == h.SpiR : sa.Session!.Find(h) is not null))
        {
            if (sa.Phase == SaPhase.HalfOpen && h.Exchange == ExchangeType.IKE_INTERMEDIATE && !h.IsResponse)
            {
                OnIntermediateRequest(sa, datagram, h, from, now, step);
            }
            else if (sa.Phase == SaPhase.HalfOpen)
            {
                OnAuthRequest(sa, datagram, h, from, now, step);
            }
            else
            {
                OnEstablished(sa, sa.Session!.Find(h)!, datagram, h, from, now, step);
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
                CookiesSent++;
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
                    Offload(a, datagram.ToArray(), h, from, local, nat, now);
                }
                break;
        }
    }

    private void Accept(SaInitDecision.Accept a, byte[] initRequest, IkeHeader h, IPEndPoint from, IPEndPoint? local, bool? nat, MonoTime now, StepBuilder step)
    {
        using var dh = DiffieHellman.ForSaInit(a.Suite.Dh, _o.Random, _o.KeyShares, now);
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
        byte[] response = IkeSaInit.BuildResponse(h, spiR, a.Suite, a.ProposalNumber, dh, nr, _o.SendMpsaVendorId, natD, IkeAuthCertificates.SaInitExtras(_o), a.Fragmentation, _o.AcceptChildless);
        // SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        var keys = IkeKeySchedule.Derive(a.Suite, sharedSecret.Span, a.Ni, nr, h.SpiI.Value, spiR.Value);
        var ctx = new IkeSaContext(false, h.SpiI, spiR, from, keys, a.Ni, nr, _o.Random, _o.Retransmit)
        {
            PeerSupportsMpsa = a.PeerSupportsMpsa,
            NatDetected = nat == true,
            Local = local,
            FragmentationNegotiated = a.Fragmentation,
            FragmentSize = _o.FragmentSize,
            KeyShare = (dh as KeyShareLease)?.Share,
        };
        var sa = new ResponderSa(ctx, initRequest, response, now + _o.HalfOpenTimeout) { NatDetectionAnswered = natD is not null };
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
        if (sa.Ctx.Suite.HasAdditionalKe && !sa.AdditionalKeDone)
        {
            // RFC 9370: the suite's additional key exchange comes first; an IKE_AUTH without it would skip it.
            sa.Ctx.SendResponse(h.Exchange, h.MessageId, [new NotifyPayload(NotifyType.INVALID_SYNTAX)], inbound.RequestBytes!, step);
            Remove(sa, PeerGoneReason.Refused, $"IKE_AUTH before the additional key exchange ({sa.Ctx.Suite.AdditionalKe}) of the chosen suite", step);
            return;
        }
        sa.Ctx.IntermediateAuthOctets = sa.Intermediate?.ForAuth(h.MessageId);
        Follow(sa, from);
        var (response, outcome) = IkeAuth.ProcessRequest(sa.Ctx, inbound.Message!, _o, sa.InitRequest, sa.InitResponse,
            () => _o.AllocateChildSpi?.Invoke() ?? SpiSource.Random(_o.Random));
        sa.Ctx.SendResponse(h.Exchange, h.MessageId, response, inbound.RequestBytes!, step);
        _halfOpenByInitiator.Remove((sa.Ctx.SpiI, sa.InitFrom));
        sa.ForgetInitMessages();
        switch (outcome)
        {
            case AuthOutcome.Failed f:
                Remove(sa, f.Reason, f.Detail, step);
                break;
            case AuthOutcome.Established e:
                sa.Phase = SaPhase.Established;
                sa.Session = new IkeSaSession(sa.Ctx, e.Child, SessionOptions());
                step.Emit(new IkeSaEstablished(sa.Ctx.SpiI, sa.Ctx.SpiR, from, sa.Ctx.PeerIdentity, sa.Ctx.Suite, sa.Ctx.PeerSupportsMpsa,
                    KeymatFingerprint.Of(sa.Ctx.Keys))
                {
                    PeerId = sa.Ctx.PeerId,
                    InitialContact = inbound.Message!.FindNotify(NotifyType.INITIAL_CONTACT) is not null,
                    Childless = e.Child is null && e.ChildError is null,
                });
                e.EmitChildEvent(sa.Ctx.SpiR, step);
                // the member may still be taking in this response when our first request arrives (RFC 7296 §2.2)
                sa.Ctx.FirstRequestGrace = true;
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

    private void OnEstablished(ResponderSa sa, IkeSaContext on, ReadOnlySpan<byte> datagram, IkeHeader h, IPEndPoint from, MonoTime now, StepBuilder step)
    {
        var gone = sa.Session!.Receive(on, datagram, h, from, now, step, m => TooManyPayloads(m, from, step));
        if (gone is not null)
        {
            Remove(sa, gone.Reason, gone.Reason == PeerGoneReason.DeletedByPeer ? "the member deleted the IKE SA" : gone.Detail, step);
            return;
        }
        Sync(sa);
    }

    /// <summary>One for every IKE SA of this responder (the options do not change): not two delegates per member.</summary>
    private SessionOptions SessionOptions() => _sessionOptions ??= new(_o.Proposals, _o.ChildProposals,
        () => _o.AllocateChildSpi?.Invoke() ?? SpiSource.Random(_o.Random), NewSpi, _o.Random, _o.Retransmit, MaxKeRetries: 2, FollowPeer: true);

    private SessionOptions? _sessionOptions;

    private IkeSpi NewSpi()
    {
        IkeSpi spi;
        do
        {
            spi = new IkeSpi(SpiSource.RandomIkeSpi(_o.Random));
        }
        while (_sas.ContainsKey(spi) || _aliases.ContainsKey(spi) || _pendingSpiR.Contains(spi));
        return spi;
    }

    private ResponderSa? Lookup(IkeSpi ours) => _sas.TryGetValue(ours, out var sa) || _aliases.TryGetValue(ours, out sa) ? sa : null;

    /// <summary>Files the session under its current SA's SPI, and its other SAs' SPIs as aliases (after a rekey).</summary>
    private void Sync(ResponderSa sa)
    {
        if (sa.Session is not { } session || !_sas.ContainsKey(sa.Key))
        {
            return;
        }
        var primary = session.Ctx.LocalSpi;
        if (primary != sa.Key)
        {
            _sas.Remove(sa.Key);
            _sas[primary] = sa;
            sa.Key = primary;
            sa.ScheduledAt = null;   // its timer was filed under the old key
        }
        if (session.HasOneContext && sa.Aliases.Count == 0)
        {
            return;   // the common case, after every message: nothing to index
        }
        var wanted = new List<IkeSpi>();
        bool current = true;
        foreach (var c in session.Contexts)
        {
            if (!current)
            {
                wanted.Add(c.LocalSpi);   // every SA but the current one (the first)
            }
            current = false;
        }
        foreach (var gone in Except(sa.Aliases, wanted))
        {
            _aliases.Remove(gone);
            sa.Aliases.Remove(gone);
        }
        foreach (var added in Except(wanted, sa.Aliases))
        {
            _aliases[added] = sa;
            sa.Aliases.Add(added);
        }
    }

    /// <summary>As Enumerable.Except: the distinct SPIs of <paramref name="spis"/> that are not in <paramref name="without"/>, in order.</summary>
    private static List<IkeSpi> Except(List<IkeSpi> spis, List<IkeSpi> without)
    {
        var seen = new HashSet<IkeSpi>(without);
        var rest = new List<IkeSpi>();
        foreach (var spi in spis)
        {
            if (seen.Add(spi))
            {
                rest.Add(spi);
            }
        }
        return rest;
    }

    /// <summary>&lt;-- HDR, SK {SA, Ni, KEi}: rekeys the member's IKE SA (RFC 7296 §1.3.2); then <see cref="IkeSaRekeyed"/>,
    /// whose NewHandle names the member from then on. The old SA is deleted once what was in flight on it is done.</summary>
    public Step RekeyIkeSa(IkeSpi spiR, MonoTime now) => RequestOn(spiR, now, (sa, step) => sa.Session!.RekeyIkeSa(now, step));

    /// <summary>&lt;-- HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}: rekeys the member's CHILD_SA (RFC 7296 §1.3.3).</summary>
    public Step RekeyChildSa(IkeSpi spiR, MonoTime now) => RequestOn(spiR, now, (sa, step) => sa.Session!.RekeyChildSa(now, step));

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
        if (Lookup(spiR) is { Phase: SaPhase.Established } sa)
        {
            act(sa, step);
            Sync(sa);
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
                Remove(sa, PeerGoneReason.HalfOpenExpired, "IKE_AUTH never came", step, sa.NatDetectionAnswered);
                continue;
            }
            if (sa.Session is { } session)
            {
                if (session.OnTimeout(now, step) is { } gone)
                {
                    Remove(sa, gone.Reason, gone.Detail, step);
                    continue;
                }
                Sync(sa);
                Schedule(sa);
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
        if (Lookup(spiR) is { } sa)
        {
            Unfile(sa);
            _halfOpenByInitiator.Remove((sa.Ctx.SpiI, sa.InitFrom));
            Uncount(sa);
            Release(sa);
        }
    }

    /// <summary>The certificates an established peer authenticated with (null for a PSK peer): a reload rechecks them.</summary>
    public IReadOnlyList<byte[]>? PeerCertificates(IkeSpi spiR) => Lookup(spiR)?.Ctx.PeerCertificates;

    /// <summary>The current CHILD_SA of an established IKE SA, if it has one.</summary>
    public ChildSa? ChildSa(IkeSpi spiR) => Lookup(spiR)?.Session?.Child;

    /// <summary>The keys of the member's current IKE SA (tests compare them across sides).</summary>
    internal IkeSaKeys? KeysOf(IkeSpi spiR) => Lookup(spiR)?.Ctx.Keys;

    /// <summary>IKE_SA_INIT requests answered with N(COOKIE) since the start.</summary>
    public long CookiesSent { get; private set; }

    /// <summary>Rotates the cookie secret; the daemon calls it now and then (e.g. every few minutes).</summary>
    public void RotateCookieSecret() => _cookies.Rotate();

    private void Schedule(ResponderSa sa)
    {
        if (!_sas.ContainsKey(sa.Key))
        {
            return;
        }
        var deadline = sa.Deadline;
        if (deadline is { } d && (sa.ScheduledAt is null || d < sa.ScheduledAt.Value))
        {
            _timers.Enqueue(sa.Key, d);
            sa.ScheduledAt = d;
        }
    }

    private void Remove(ResponderSa sa, PeerGoneReason reason, string detail, StepBuilder step, bool mayHaveMovedTo4500 = false)
    {
        if (sa.Phase == SaPhase.HalfOpen)
        {
            _halfOpenByInitiator.Remove((sa.Ctx.SpiI, sa.InitFrom));
        }
        if (Unfile(sa))
        {
            Uncount(sa);
        }
        step.Emit(new PeerGone(sa.Ctx.ControllerSpi, sa.Ctx.Peer, sa.Ctx.PeerIdentity, reason, detail) { MayHaveMovedTo4500 = mayHaveMovedTo4500 });
        Release(sa);
    }

    private bool Unfile(ResponderSa sa)
    {
        foreach (var alias in sa.Aliases)
        {
            _aliases.Remove(alias);
        }
        sa.Aliases.Clear();
        return _sas.Remove(sa.Key);
    }

    private static void Release(ResponderSa sa)
    {
        if (sa.Session is { } session)
        {
            session.Dispose();
        }
        else
        {
            sa.Ctx.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var sa in _sas.Values)
        {
            Release(sa);
        }
        _sas.Clear();
        _aliases.Clear();
        _pendingInit.Clear();   // a job still running disposes its keys when it comes back (CompleteSaInit)
        _pendingSpiR.Clear();
        _cookies.Dispose();
    }
}
