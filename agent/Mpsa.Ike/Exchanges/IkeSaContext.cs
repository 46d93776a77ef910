using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// One IKE SA after IKE_SA_INIT, for either role: keys and SK protection, both message-ID sequences (RFC 7296 §2.2),
/// the request in flight with its retransmission (window size 1, §2.3), and the cached response to the peer's last request.
/// </summary>
internal sealed class IkeSaContext : IDisposable
{
    // made at the first request that has to wait (most IKE SAs never queue one: one object fewer per SA for the GC)
    private Queue<(ExchangeTypeAndKind What, uint MessageId, byte[] Datagram, IReadOnlyList<byte[]>? Fragments)>? _queued;
    private readonly RetransmitPolicy _policy;
    private byte[]? _lastPeerRequest;
    private IReadOnlyList<byte[]>? _lastResponse;
    private (uint MessageId, ExchangeType Exchange, IReadOnlyList<IPayload> Response, byte[] Request)? _deferred;

    /// <param name="isCpe">Our mpsa role (<see cref="IsCpe"/>); by default the IKE_SA_INIT initiator is the CPE.</param>
    /// <param name="rekeyed">The SA was made by CREATE_CHILD_SA (RFC 7296 §2.18): message IDs start at 0 both ways, and
    /// <paramref name="isInitiator"/> names the initiator of that exchange (§3.1, the I flag follows the last rekey).</param>
    public IkeSaContext(bool isInitiator, IkeSpi spiI, IkeSpi spiR, IPEndPoint peer, IkeSaKeys keys, byte[] ni, byte[] nr,
        IRandom random, RetransmitPolicy policy, bool rekeyed = false, bool? isCpe = null)
    {
        _random = random;
        IsCpe = isCpe ?? isInitiator;
        IsInitiator = isInitiator;
        SpiI = spiI;
        SpiR = spiR;
        Peer = peer;
        Keys = keys;
        Prf = Crypto.Prf.Create(keys.Suite.Prf);
        (Outbound, Inbound) = keys.CreateProtection(isInitiator, random);
        Ni = ni;
        Nr = nr;
        _policy = policy;
        // RFC 7296 §2.2: each side numbers its own requests from 0; the initiator used 0 for IKE_SA_INIT.
        NextRequestId = isInitiator && !rekeyed ? 1u : 0u;
        NextPeerRequestId = isInitiator || rekeyed ? 0u : 1u;
        EventSpi = ControllerSpi;
    }

    private readonly IRandom _random;

    // RFC 7383: the peer's fragmented requests and responses, each put together apart (their message IDs are
    // separate sequences). Bounded so that a hostile peer cannot make us hold more than 64 kB per direction.
    private const int MaxFragments = 64;
    private const int MaxReassembledBytes = 65535;
    private static readonly TimeSpan FragmentTimeout = TimeSpan.FromSeconds(30);
    // made at the first fragment: most IKE SAs never see one, and a controller holds many thousands of them
    private FragmentReassembly? _requestFragments, _responseFragments;
    private (uint MessageId, byte[] Datagram)? _firstRequestFragment;

    /// <summary>Both sides announced IKE fragmentation in IKE_SA_INIT (RFC 7383 §2.3): fragments are accepted.</summary>
    public bool FragmentationNegotiated { get; set; }

    /// <summary>Our mpsa role: the CPE (the agent) or the controller. It stays when a rekey swaps the IKE roles.</summary>
    public bool IsCpe { get; }

    public IkeSpi LocalSpi => IsInitiator ? SpiI : SpiR;

    /// <summary>The controller's SPI of this SA: how the daemons know a member's session (the SpiR of
    /// <see cref="IkeSaEstablished"/>). After a rekey the controller started, it is the new SA's SPIi.</summary>
    public IkeSpi ControllerSpi => IsInitiator == IsCpe ? SpiR : SpiI;

    /// <summary>The SPI this SA's events carry: its own <see cref="ControllerSpi"/>, or, once a rekey replaced it,
    /// its successor's, so that an answer finished on the old SA reaches the session the daemon knows now.</summary>
    public IkeSpi EventSpi { get; set; }

    /// <summary>An answer held for a verdict (<see cref="DeferResponse"/>): the SA cannot be deleted before it goes.</summary>
    public bool HasDeferred => _deferred is not null;

    public bool IsInitiator { get; }
    public IkeSpi SpiI { get; }
    public IkeSpi SpiR { get; }
    public IPEndPoint Peer { get; set; }
    public IkeSaKeys Keys { get; }
    public IkeSuite Suite => Keys.Suite;
    public IPrf Prf { get; }
    public IEncryptedPayloadProtection Outbound { get; }
    public IEncryptedPayloadProtection Inbound { get; }
    public byte[] Ni { get; }
    public byte[] Nr { get; }
    /// <summary>The peer's authenticated identity as text (<see cref="IdentificationPayload.ToText"/>: safe to log).</summary>
    public string PeerIdentity { get; set; } = "";

    /// <summary>The peer's authenticated ID payload: what to find the peer by
    /// (<see cref="IdentificationPayload.MatchKey"/>).</summary>
    public IdentificationPayload? PeerId { get; set; }
    public bool PeerSupportsMpsa { get; set; }

    /// <summary>The X.509 CERT payloads (DER) the peer authenticated with, ours first: to recheck them on a CRL reload.</summary>
    public IReadOnlyList<byte[]>? PeerCertificates { get; set; }

    /// <summary>After IKE_INTERMEDIATE exchanges: IntAuth_i | IntAuth_r | IKE_AUTH_MID, appended to both AUTH payloads'
    /// signed octets (RFC 9242 §3.3.2); null without them.</summary>
    public byte[]? IntermediateAuthOctets { get; set; }

    /// <summary>
    /// The same IKE SA under the keys an additional key exchange made (RFC 9370 §2.2.2), once its IKE_INTERMEDIATE
    /// exchange is over: message IDs go on, and a retransmission of the peer's last request is still answered from the
    /// cache (its bytes, not its keys). This context's keys are the caller's to dispose; its key share goes with the SA.
    /// </summary>
    public IkeSaContext WithUpdatedKeys(IkeSaKeys keys)
    {
        var next = new IkeSaContext(IsInitiator, SpiI, SpiR, Peer, keys, Ni, Nr, _random, _policy, isCpe: IsCpe)
        {
            NextRequestId = NextRequestId,
            NextPeerRequestId = NextPeerRequestId,
            _lastPeerRequest = _lastPeerRequest,
            _lastResponse = _lastResponse,
            PeerSupportsMpsa = PeerSupportsMpsa,
            NatDetected = NatDetected,
            LastHeardFrom = LastHeardFrom,
            EventSpi = EventSpi,
            FragmentationNegotiated = FragmentationNegotiated,
            FragmentSize = FragmentSize,
            PeerAcceptsChildless = PeerAcceptsChildless,
            Mobike = Mobike,
            Local = Local,
            KeyShare = KeyShare,
        };
        KeyShare = null;
        return next;
    }

    /// <summary>Both sides announced MOBIKE_SUPPORTED in IKE_AUTH (RFC 4555 §3.3): the initiator moves the SA with
    /// UPDATE_SA_ADDRESSES, and the responder changes the peer's address only then (or behind a NAT).</summary>
    public bool Mobike { get; set; }

    /// <summary>Our address and port as the peer sees them sent from, when known: the NAT-D data of an address update.</summary>
    public IPEndPoint? Local { get; set; }

    /// <summary>Where the peer's request being answered came from (RFC 7296 §2.11: the response goes there); null: <see cref="Peer"/>.</summary>
    public IPEndPoint? RespondTo { get; set; }

    /// <summary>Initiator: the responder announced CHILDLESS_IKEV2_SUPPORTED (RFC 6023) in IKE_SA_INIT.</summary>
    public bool PeerAcceptsChildless { get; init; }

    /// <summary>A NAT sits on the path (RFC 7296 §2.23): IKE on port 4500, ESP in UDP.</summary>
    public bool NatDetected { get; set; }
    public uint NextRequestId { get; private set; }
    public uint NextPeerRequestId { get; private set; }
    public PendingRequest? Pending { get; private set; }
    public MonoTime LastHeardFrom { get; private set; }

    public MonoTime? Deadline => Pending?.RetransmitAt;

    public IkeHeader Header(ExchangeType exchange, uint messageId, bool response) => new(
        SpiI, SpiR, PayloadType.NoNextPayload, exchange,
        (IsInitiator ? IkeFlags.Initiator : IkeFlags.None) | (response ? IkeFlags.Response : IkeFlags.None),
        messageId, 0);

    /// <summary>
    /// Sends a protected request now, or queues it behind the one in flight. It is sealed either way, with the next
    /// message ID (requests go out in order, one at a time, §2.3): only ciphertext waits in the queue, and the key
    /// material in <paramref name="inner"/> (an MPSA_PUT's SK_d) is zeroed here.
    /// </summary>
    public void Request(ExchangeTypeAndKind what, IReadOnlyList<IPayload> inner, MonoTime now, StepBuilder step)
    {
        uint id = NextRequestId++;
        byte[] datagram;
        IReadOnlyList<byte[]>? fragments;
        try
        {
            var header = Header(what.Exchange, id, response: false);
            datagram = IkeMessage.EncodeEncrypted(header, inner, Outbound);
            fragments = Fragment(header, inner, datagram.Length);
        }
        finally
        {
            IkeMessage.ZeroKeyMaterial(inner);
        }
        if (Pending is not null)
        {
            (_queued ??= new()).Enqueue((what, id, datagram, fragments));
            return;
        }
        Send(what, id, datagram, fragments, now, step);
    }

    private void Send(ExchangeTypeAndKind what, uint messageId, byte[] datagram, IReadOnlyList<byte[]>? fragments, MonoTime now, StepBuilder step)
    {
        Pending = PendingRequest.First(messageId, what, datagram, _policy, now) with { Fragments = fragments };
        if (FirstRequestGrace)
        {
            FirstRequestGrace = false;
            Pending = Pending with { RetransmitAt = now + GraceResend, Grace = true };
        }
        SendWire(Pending, step);
    }

    /// <summary>
    /// Responder, right after IKE_AUTH: the initiator may take our first request before it has finished with our
    /// IKE_AUTH response and drop it (strongSwan: "ignoring INFORMATIONAL in IKE_SA state CONNECTING"). That request
    /// goes out at once all the same, and again after <see cref="GraceResend"/> if unanswered: a resend that is not a
    /// retransmission (not counted, not reported), so the member's first silence is no failure.
    /// </summary>
    public bool FirstRequestGrace { get; set; }

    public static readonly TimeSpan GraceResend = TimeSpan.FromMilliseconds(250);

    private void SendWire(PendingRequest p, StepBuilder step)
    {
        foreach (var d in p.Fragments ?? [p.Datagram])
        {
            step.Send(Peer, d);
        }
    }

    /// <summary>
    /// The peer just sent an authentic request while ours is overdue (already retransmitted): the path is back (a link
    /// returned, a NAT rebound), so ours goes again now instead of at its next backoff step, which may be a minute away.
    /// The schedule stays as it was, so this never extends how long the peer is given.
    /// </summary>
    private void ResendOverdue(StepBuilder step)
    {
        if (Pending is { Transmissions: > 1, Grace: false } p)
        {
            SendWire(p, step);
        }
    }

    /// <summary>
    /// Largest IP datagram an IKE message may make before it goes in Encrypted Fragments (RFC 7383), once both sides
    /// announced them: strongSwan's default fragment_size. IP and UDP headers (and the non-ESP marker on port 4500)
    /// come off it.
    /// </summary>
    public int FragmentSize { get; set; } = 1280;

    private int MaxMessageLength =>
        FragmentSize - (Peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 40 : 20) - 8 - (Peer.Port == 4500 ? 4 : 0);

    /// <summary>The fragments to send instead of a message of <paramref name="length"/> octets, or null when it fits.</summary>
    private List<byte[]>? Fragment(IkeHeader header, IReadOnlyList<IPayload> inner, int length) =>
        FragmentationNegotiated && length > MaxMessageLength ? IkeMessage.EncodeFragments(header, inner, Outbound, MaxMessageLength) : null;

    /// <summary>True while anything of ours awaits an answer or a send slot.</summary>
    public bool Busy => Pending is not null || _queued is { Count: > 0 };

    public bool HasQueued(RequestKind kind)
    {
        if (Pending?.What.Kind == kind)
        {
            return true;
        }
        if (_queued is null)
        {
            return false;
        }
        foreach (var q in _queued)
        {
            if (q.What.Kind == kind)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Retransmits a due request; false when the peer has had all its chances.</summary>
    public bool OnTimeout(MonoTime now, StepBuilder step)
    {
        if (Pending is not { } p || now < p.RetransmitAt)
        {
            return true;
        }
        if (p.Grace)
        {
            Pending = p with { Grace = false, RetransmitAt = now + _policy.Timeout(1) };
            SendWire(Pending, step);
            return true;
        }
        if (p.Exhausted(_policy))
        {
            return false;
        }
        Pending = p.Resent(_policy, now);
        SendWire(Pending, step);
        step.Emit(new RequestRetransmitted(EventSpi, p.What.Kind == RequestKind.MpsaPut, Pending.Transmissions));
        return true;
    }

    public void SendResponse(ExchangeType exchange, uint messageId, IReadOnlyList<IPayload> inner, byte[] request, StepBuilder step)
    {
        var header = Header(exchange, messageId, response: true);
        _lastPeerRequest = request;
        // an array of one when unfragmented: kept until the next request, a list would be a second object
        _lastResponse = (IReadOnlyList<byte[]>?)Fragment(header, inner, IkeMessage.EncryptedLength(inner, Outbound))
            ?? new[] { IkeMessage.EncodeEncrypted(header, inner, Outbound) };
        NextPeerRequestId = messageId + 1;
        foreach (var d in _lastResponse)
        {
            step.Send(RespondTo ?? Peer, d);
        }
    }

    /// <summary>Holds the answer to a request until <see cref="AnswerDeferred"/>; the request's copies are dropped meanwhile.</summary>
    public void DeferResponse(ExchangeType exchange, uint messageId, IReadOnlyList<IPayload> response, byte[] request) =>
        _deferred = (messageId, exchange, response, request);

    /// <summary>Sends the held answer with <paramref name="extra"/> appended; false when no answer waits under that ID.</summary>
    public bool AnswerDeferred(uint messageId, IReadOnlyList<IPayload> extra, StepBuilder step)
    {
        if (_deferred is not { } d || d.MessageId != messageId)
        {
            return false;
        }
        _deferred = null;
        SendResponse(d.Exchange, d.MessageId, [.. d.Response, .. extra], d.Request, step);
        return true;
    }

    /// <summary>
    /// Sorts an inbound protected datagram: a fresh request (decrypted), the answer to our pending request (decrypted),
    /// a retransmitted request (answered from the cache here), or something to drop.
    /// </summary>
    public InboundMessage Classify(ReadOnlySpan<byte> datagram, IkeHeader header, MonoTime now, StepBuilder step)
    {
        // RFC 7296 §3.1: the Initiator flag names the original initiator; it must match the sender's role.
        if (header.IsFromInitiator == IsInitiator)
        {
            return InboundMessage.Drop("initiator flag does not match the sender's role");
        }
        if (header.IsResponse)
        {
            if (Pending is not { } p || p.MessageId != header.MessageId || p.What.Exchange != header.Exchange)
            {
                return InboundMessage.Drop($"unexpected response, message ID {header.MessageId}");
            }
            IkeMessage? opened;
            string? why;
            try
            {
                opened = Open(datagram, header, now, out why);
            }
            catch (IkeParseException e)
            {
                why = $"malformed protected response: {e.Message}";
                opened = null;
            }
            if (opened is null)
            {
                return InboundMessage.Drop(why!);
            }
            Pending = null;
            LastHeardFrom = now;
            if (p.What.Kind is not (RequestKind.RekeyIkeSa or RequestKind.IkeFollowupKe))
            {
                SendQueued(now, step);   // after an IKE SA rekey the queue may move to the new SA (§2.18): SendNext
            }
            return new InboundMessage(InboundKind.Response, opened, p, null, null);
        }
        if (header.MessageId + 1 == NextPeerRequestId && _lastResponse is not null)
        {
            if (_lastPeerRequest is not null && datagram.SequenceEqual(_lastPeerRequest))
            {
                foreach (var d in _lastResponse)
                {
                    step.Send(RespondTo ?? Peer, d);
                }
                ResendOverdue(step);
                return InboundMessage.Drop("retransmitted request, cached response sent again");
            }
            return InboundMessage.Drop($"stale request, message ID {header.MessageId}");
        }
        if (_deferred is { } waiting && waiting.MessageId == header.MessageId)
        {
            return InboundMessage.Drop($"request {header.MessageId} is still being carried out");
        }
        if (header.MessageId != NextPeerRequestId)
        {
            return InboundMessage.Drop($"request outside the window, message ID {header.MessageId}, expected {NextPeerRequestId}");
        }
        try
        {
            var message = Open(datagram, header, now, out string? why);
            if (message is null)
            {
                return InboundMessage.Drop(why!);
            }
            LastHeardFrom = now;
            ResendOverdue(step);
            // A fragmented request is known again by its first fragment (RFC 7383 §2.6.1).
            byte[] requestBytes = _firstRequestFragment is { } first && first.MessageId == header.MessageId ? first.Datagram : datagram.ToArray();
            _firstRequestFragment = null;
            return new InboundMessage(InboundKind.Request, message, null, null, requestBytes);
        }
        catch (IkeParseException e)
        {
            // Authenticated but malformed: answer with the Notify the error implies (RFC 7296 §2.21.3).
            var notify = new NotifyPayload(e.Notify, e.Notify == NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD ? [e.CriticalPayloadType] : null);
            SendResponse(header.Exchange, header.MessageId, [notify], datagram.ToArray(), step);
            return InboundMessage.Drop($"malformed protected request: {e.Message}");
        }
    }

    private IkeMessage? Open(ReadOnlySpan<byte> datagram, IkeHeader header, MonoTime now, out string? why)
    {
        IkeMessage outer;
        try
        {
            outer = IkeMessage.Decode(datagram);
        }
        catch (IkeParseException e)
        {
            why = $"malformed: {e.Message}";
            return null;
        }
        if (outer.Encrypted is null)
        {
            why = "unprotected message on an established IKE SA";
            return null;
        }
        if (outer.Encrypted.IsFragment)
        {
            return Reassemble(outer, datagram, header, now, out why);
        }
        if (!outer.TryOpen(datagram, Inbound, out var inner))
        {
            why = "integrity check failed";
            return null;
        }
        why = null;
        return inner;
    }

    /// <summary>Adds one Encrypted Fragment (RFC 7383 §2.6); the message once its last fragment is in, else null and why.</summary>
    private IkeMessage? Reassemble(IkeMessage outer, ReadOnlySpan<byte> datagram, IkeHeader header, MonoTime now, out string? why)
    {
        var f = outer.Encrypted!;
        if (!FragmentationNegotiated)
        {
            why = "an Encrypted Fragment, but IKE fragmentation was not negotiated";
            return null;
        }
        byte[]? part = outer.TryOpenFragment(datagram, Inbound);
        if (part is null)
        {
            why = $"integrity check failed (fragment {f.FragmentNumber} of {f.TotalFragments})";
            return null;
        }
        var reassembly = header.IsResponse
            ? _responseFragments ??= new(MaxFragments, MaxReassembledBytes, FragmentTimeout)
            : _requestFragments ??= new(MaxFragments, MaxReassembledBytes, FragmentTimeout);
        var verdict = reassembly.Add(header.MessageId, f.FragmentNumber, f.TotalFragments, f.FirstInnerPayload, part, now);
        Array.Clear(part);
        if (!header.IsResponse && f.FragmentNumber == 1 && verdict is FragmentVerdict.Stored or FragmentVerdict.Complete)
        {
            _firstRequestFragment = (header.MessageId, datagram.ToArray());
        }
        switch (verdict)
        {
            case FragmentVerdict.Complete:
                var (first, plaintext) = reassembly.TakeMessage();
                why = null;
                return outer.WithReassembled(first, plaintext);
            case FragmentVerdict.Refused:
                why = $"fragments refused: {reassembly.Problem}";
                return null;
            default:
                why = $"fragment {f.FragmentNumber} of {f.TotalFragments} of message {header.MessageId}: {verdict}";
                return null;
        }
    }

    /// <summary>
    /// Takes back the requests not yet answered, as plaintext, to be sent again on the SA that replaces this one
    /// (RFC 7296 §2.18): the queued ones, and with <paramref name="withPending"/> also the one in flight. Requests are
    /// sealed when made, so they are opened here with our own outbound keys; message IDs are given back.
    /// </summary>
    public List<(ExchangeTypeAndKind What, IReadOnlyList<IPayload> Inner)> TakeUnanswered(bool withPending)
    {
        var taken = new List<(ExchangeTypeAndKind, uint, byte[], IReadOnlyList<byte[]>?)>();
        if (withPending && Pending is { } p)
        {
            taken.Add((p.What, p.MessageId, p.Datagram, p.Fragments));
            Pending = null;
        }
        while (_queued is not null && _queued.TryDequeue(out var q))
        {
            taken.Add(q);
        }
        var plain = new List<(ExchangeTypeAndKind, IReadOnlyList<IPayload>)>(taken.Count);
        if (taken.Count == 0)
        {
            return plain;
        }
        NextRequestId = taken[0].Item2;
        // the peer's view of our keys opens what we sealed
        var (selfOut, selfIn) = Keys.CreateProtection(!IsInitiator, _random);
        using (selfOut)
        using (selfIn)
        {
            foreach (var (what, _, datagram, _) in taken)
            {
                var outer = IkeMessage.Decode(datagram);
                if (outer.TryOpen(datagram, selfIn, out var inner))
                {
                    plain.Add((what, inner.Payloads));
                }
            }
        }
        return plain;
    }

    /// <summary>Sends the next queued request if none is in flight.</summary>
    public void SendNext(MonoTime now, StepBuilder step) => SendQueued(now, step);

    private void SendQueued(MonoTime now, StepBuilder step)
    {
        if (Pending is null && _queued is not null && _queued.TryDequeue(out var next))
        {
            Send(next.What, next.MessageId, next.Datagram, next.Fragments, now, step);
        }
    }

    /// <summary>The reused X25519 key share this IKE SA was made with (RFC 7296 §2.12, either role); null: a fresh one.
    /// Retired when this SA ends, so the share cannot outlive any SA it made.</summary>
    public KeyShare? KeyShare { get; set; }

    public void Dispose()
    {
        KeyShare?.Retire();
        Outbound.Dispose();
        Inbound.Dispose();
        Keys.Dispose();
    }
}

internal enum InboundKind
{
    Drop,
    Request,
    Response,
}

/// <summary>The outcome of <see cref="IkeSaContext.Classify"/>.</summary>
internal sealed record InboundMessage(InboundKind Kind, IkeMessage? Message, PendingRequest? Answered, string? DropReason, byte[]? RequestBytes)
{
    public static InboundMessage Drop(string reason) => new(InboundKind.Drop, null, null, reason, null);
}
