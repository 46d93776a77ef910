using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>Something a state machine tells its daemon. The family is small, so it lives in one file.</summary>
public abstract record IkeEvent;

/// <summary>IKE_AUTH completed: the IKE SA is authenticated on both sides. <see cref="PeerIdentity"/> is for people
/// (<see cref="IdentificationPayload.ToText"/>), <see cref="PeerId"/> for finding the peer (its type and value).</summary>
public sealed record IkeSaEstablished(IkeSpi SpiI, IkeSpi SpiR, IPEndPoint Peer, string PeerIdentity, IkeSuite Suite, bool PeerSupportsMpsa, string KeyFingerprint) : IkeEvent
{
    public IdentificationPayload? PeerId { get; init; }

    /// <summary>Responder: the initiator sent INITIAL_CONTACT (RFC 7296 §2.4): its older IKE SAs with us are stale.
    /// Without it, an older IKE SA may be one the peer is reauthenticating (make-before-break) and deletes itself.</summary>
    public bool InitialContact { get; init; }

    /// <summary>Initiator: the responder asked for reauthentication within this time (N(AUTH_LIFETIME), RFC 4478).</summary>
    public TimeSpan? AuthLifetime { get; init; }

    /// <summary>No CHILD_SA was asked for in IKE_AUTH (RFC 6023); else <see cref="ChildSaEstablished"/> or
    /// <see cref="ChildSaFailed"/> follows.</summary>
    public bool Childless { get; init; }
}

/// <summary>The CPE: the controller took our new address (RFC 4555 UPDATE_SA_ADDRESSES, COOKIE2 echoed); the same IKE SA goes
/// on. <see cref="NatChanged"/>: its NAT-D data says a NAT appeared or went, so ESP's encapsulation no longer fits.</summary>
public sealed record IkeSaMoved(IkeSpi SpiR, IPEndPoint? Local, IPEndPoint Peer, bool NatDetected) : IkeEvent
{
    public bool NatChanged { get; init; }
}

/// <summary>The CPE: the controller refused our address update, or its answer did not echo our COOKIE2.</summary>
public sealed record IkeSaMoveFailed(IkeSpi SpiR, string Reason) : IkeEvent;

/// <summary>The controller: a member moved its IKE SA (RFC 4555 UPDATE_SA_ADDRESSES), or, without MOBIKE, an authenticated
/// message came from a new address or port (RFC 7296 §2.23, a NAT's new mapping); requests and MPSA_PUTs go to
/// <paramref name="To"/> now. <paramref name="NatDetected"/> as the update's NAT-D data says (null without it).</summary>
public sealed record PeerMoved(IkeSpi SpiR, IPEndPoint From, IPEndPoint To, bool? NatDetected) : IkeEvent;

/// <summary>The CHILD_SA negotiated in IKE_AUTH (or its failure, with the Notify that explains it).</summary>
public sealed record ChildSaEstablished(IkeSpi SpiR, ChildSa ChildSa) : IkeEvent;

public sealed record ChildSaFailed(IkeSpi SpiR, NotifyType Reason) : IkeEvent;

/// <summary>
/// The IKE SA was rekeyed (RFC 7296 §2.18): <paramref name="NewSpiR"/>-side keys are in use from now on, and every
/// later event of this session carries <paramref name="NewHandle"/> in its SpiR field, also for requests that finish
/// on the old SA. <paramref name="OldHandle"/> and <paramref name="NewHandle"/> are the controller's SPIs of the old
/// and the new SA (the controller's engine indexes members by them); the SPI pairs are as on the wire. A rekey the
/// controller started makes it the new SA's original initiator, so its SPI is then <paramref name="NewSpiI"/>.
/// </summary>
public sealed record IkeSaRekeyed(IkeSpi OldSpiI, IkeSpi OldSpiR, IkeSpi NewSpiI, IkeSpi NewSpiR, IkeSpi OldHandle, IkeSpi NewHandle,
    IkeSuite Suite, bool StartedByPeer, string KeyFingerprint) : IkeEvent;

/// <summary>Our rekey of the IKE SA did not happen (refused with <paramref name="Notify"/>, or lost a collision
/// in a way that leaves nothing to do); the SA it was for keeps working.</summary>
public sealed record IkeSaRekeyFailed(IkeSpi SpiR, NotifyType? Notify, string Reason) : IkeEvent
{
    /// <summary>It was the peer's rekey that was refused or ended; a rekey of ours, if any, is not affected.</summary>
    public bool PeersRekey { get; init; }
}

/// <summary>
/// The CHILD_SA was rekeyed (RFC 7296 §2.8): install <paramref name="New"/> now. <paramref name="Old"/> stays until a
/// <see cref="ChildSaDeleted"/> names its outbound SPI (the peer's inbound); the core disposes both when they go.
/// </summary>
public sealed record ChildSaRekeyed(IkeSpi SpiR, ChildSa Old, ChildSa New) : IkeEvent
{
    /// <summary>
    /// We answered the peer's rekey: the peer installs the new CHILD_SA only when our answer arrives, so send on it
    /// only once the peer deletes the old one (until then the old outbound state carries our traffic, and the new
    /// inbound state already takes the peer's).
    /// </summary>
    public bool OutboundAfterOldDeleted { get; init; }
}

/// <summary>Our rekey of the CHILD_SA did not happen; the CHILD_SA keeps working.</summary>
public sealed record ChildSaRekeyFailed(IkeSpi SpiR, NotifyType? Notify, string Reason) : IkeEvent
{
    /// <summary>It was the peer's rekey that was refused; a rekey of ours, if any, is not affected.</summary>
    public bool PeersRekey { get; init; }
}

/// <summary>CHILD_SAs are gone, named by the peer's inbound SPIs (our outbound): deleted by the peer, or by us after a
/// rekey (then <paramref name="PeerSpis"/> holds the replaced CHILD_SA's outbound SPI).</summary>
public sealed record ChildSaDeleted(IkeSpi SpiR, IReadOnlyList<uint> PeerSpis) : IkeEvent;

/// <summary>
/// N(MPSA_PUT)s arrived in an authenticated INFORMATIONAL request and decoded. The request stays unanswered until
/// the CPE gives its verdict with <see cref="IkeInitiator.AnswerMpsaPut"/> (message <paramref name="MessageId"/>).
/// The receiver owns <paramref name="Puts"/> (their SK_d) and disposes them.
/// </summary>
public sealed record MpsaReceived(IkeSpi SpiR, uint MessageId, IReadOnlyList<MpsaPut> Puts, bool PeerSentVendorId) : IkeEvent;

/// <summary>An N(MPSA_PUT) arrived but could not be decoded; the request was answered with INVALID_SYNTAX.</summary>
public sealed record MpsaRejected(IkeSpi SpiR, string Reason) : IkeEvent;

/// <summary>
/// Responder side: the member answered the INFORMATIONAL request carrying these MPSA SPIs. With an
/// <paramref name="Error"/> it refused the whole message; <paramref name="RefusedSpi"/> names the SA that caused it.
/// </summary>
public sealed record MpsaAcknowledged(IkeSpi SpiR, IReadOnlyList<EspSpi> Spis, NotifyType? Error, EspSpi? RefusedSpi = null) : IkeEvent;

/// <summary>Responder side: the member reported that an SA it had accepted failed later (outbound refused at ROLL1).</summary>
public sealed record MpsaRefusalReported(IkeSpi SpiR, EspSpi Spi, NotifyType Error) : IkeEvent;

/// <summary>A request of ours went out again unanswered (RFC 7296 §2.1); <paramref name="MpsaPut"/>: an MPSA_PUT.</summary>
public sealed record RequestRetransmitted(IkeSpi SpiR, bool MpsaPut, int Transmission) : IkeEvent;

/// <summary>A liveness check (empty INFORMATIONAL) was answered.</summary>
public sealed record LivenessConfirmed(IkeSpi SpiR) : IkeEvent;

/// <summary>Terminal: the IKE SA is gone (peer deleted it, stopped answering, refused us, or we closed it).</summary>
public sealed record PeerGone(IkeSpi SpiR, IPEndPoint Peer, string PeerIdentity, PeerGoneReason Reason, string Detail) : IkeEvent
{
    /// <summary>A half-open SA expired after our IKE_SA_INIT response carried NAT detection: the initiator may have sent
    /// its IKE_AUTH to port 4500 (RFC 7296 §2.23).</summary>
    public bool MayHaveMovedTo4500 { get; init; }
}

public enum PeerGoneReason
{
    DeletedByPeer,
    Closed,
    NoResponse,
    AuthenticationFailed,
    NoProposalChosen,
    Refused,
    HalfOpenExpired,
}

/// <summary>
/// Reauthentication (make-before-break): a fresh IKE SA with <paramref name="NewSpiR"/> is authenticated and replaces
/// the one with <paramref name="OldSpiR"/>, which is deleted now. Comes before the new SA's <see cref="IkeSaEstablished"/>
/// and <see cref="ChildSaEstablished"/>: the new CHILD_SA takes over from <paramref name="OldChildOutboundSpi"/>'s.
/// </summary>
public sealed record IkeSaReauthenticated(IkeSpi OldSpiR, IkeSpi NewSpiR, uint? OldChildOutboundSpi) : IkeEvent;

/// <summary>A reauthentication did not complete; the current IKE SA keeps working and it is tried again later.</summary>
public sealed record ReauthenticationFailed(PeerGoneReason Reason, string Detail) : IkeEvent;

/// <summary>The IKE SA a reauthentication replaced is gone, with its CHILD_SA (outbound SPI <paramref name="ChildOutboundSpi"/>).</summary>
public sealed record ReplacedIkeSaGone(IkeSpi SpiR, uint? ChildOutboundSpi, string Detail) : IkeEvent;

/// <summary>An input was dropped without changing state (RFC 7296 §2.21 silent drops, unexpected messages).</summary>
public sealed record MessageDropped(IPEndPoint From, string Reason) : IkeEvent;
