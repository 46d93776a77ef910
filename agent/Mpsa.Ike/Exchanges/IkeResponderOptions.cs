using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>What a responder (the controller side) accepts and who it is.</summary>
public sealed class IkeResponderOptions
{
    /// <summary>Acceptable IKE SA suites in order of preference.</summary>
    public required IReadOnlyList<IkeSuite> Proposals { get; init; }

    /// <summary>Largest IP datagram a protected message may make before it goes in fragments (RFC 7383).</summary>
    public int FragmentSize { get; init; } = 1280;

    public required IReadOnlyList<EspSuite> ChildProposals { get; init; }

    public required string LocalIdentity { get; init; }

    /// <summary>The peer's policy by its IDi, or null when unknown (AUTHENTICATION_FAILED).</summary>
    public required Func<IdentificationPayload, PeerPolicy?> FindPeer { get; init; }

    /// <summary>Our certificate and trusted CAs, read at each use (a reload may change them, e.g. a new CRL);
    /// null: only PSK peers. With it, IKE_SA_INIT answers carry CERTREQ and N(SIGNATURE_HASH_ALGORITHMS).</summary>
    public Func<CertificateAuth?> Certificates { get; init; } = () => null;

    public bool SendMpsaVendorId { get; init; } = true;

    /// <summary>Take an IKE_AUTH without a CHILD_SA (RFC 6023), as IKE_SA_INIT then announces; else such an IKE_AUTH
    /// is refused, with INVALID_SYNTAX as RFC 7296 would, and no IKE SA stays.</summary>
    public bool AcceptChildless { get; init; } = true;

    /// <summary>Answer an initiator's MOBIKE_SUPPORTED (RFC 4555) with ours, and take its UPDATE_SA_ADDRESSES.</summary>
    public bool Mobike { get; init; } = true;

    /// <summary>Asked at each IKE_AUTH: a lifetime to send as N(AUTH_LIFETIME) (RFC 4478), after which the initiator
    /// must have reauthenticated; null: none.</summary>
    public Func<TimeSpan?>? AuthLifetime { get; init; }

    /// <summary>Half-open SAs at or above which IKE_SA_INIT must carry a valid COOKIE (RFC 7296 §2.6); 0 = always.</summary>
    public int CookieThreshold { get; init; } = 100;

    /// <summary>Bounds on SAs, message size and payload count.</summary>
    public ResponderLimits Limits { get; init; } = ResponderLimits.Default;

    public TimeSpan HalfOpenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public RetransmitPolicy Retransmit { get; init; } = RetransmitPolicy.Default;

    public IRandom Random { get; init; } = SystemRandom.Instance;

    public Func<uint>? AllocateChildSpi { get; init; }

    /// <summary>Answer IKE_SA_INIT with a reused X25519 key share (RFC 7296 §2.12, forward secrecy kept: see
    /// <see cref="KeyShareReuse"/>); null: a fresh private value for every exchange.</summary>
    public KeyShareReuse? KeyShares { get; init; }

    /// <summary>
    /// Null (the default): IKE_SA_INIT is answered within <see cref="IkeResponder.Receive"/>. Set: an accepted request's
    /// DH exchange and key schedule are handed to this as a <see cref="SaInitJob"/>; whoever takes it calls
    /// <see cref="SaInitJob.Run"/> on any thread, then passes it back to <see cref="IkeResponder.CompleteSaInit"/> on the
    /// responder's own thread. <see cref="Random"/> must then be thread-safe (the DH private value is drawn in Run).
    /// </summary>
    public Action<SaInitJob>? OffloadSaInit { get; init; }

    /// <summary>Narrows the initiator's selectors (TSi, TSr) or refuses them (null: TS_UNACCEPTABLE). Default: accept as proposed.</summary>
    public Func<IReadOnlyList<TrafficSelector>, IReadOnlyList<TrafficSelector>, (IReadOnlyList<TrafficSelector> TSi, IReadOnlyList<TrafficSelector> TSr)?>? NarrowSelectors { get; init; }
}

/// <summary>How the responder treats one authenticated peer; without a PSK it authenticates by certificate.</summary>
public sealed record PeerPolicy(string Name, SecretBytes? Psk, bool RequireMpsaVendorId = true, bool AllowTransportMode = true)
{
    /// <summary>Refuse an IKE SA whose keys come from no post-quantum key exchange (ADDKE ML-KEM-768, RFC 9370).</summary>
    public bool RequirePostQuantum { get; init; }
}
