using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>What an initiator (the CPE side) offers and who it is.</summary>
public sealed class IkeInitiatorOptions
{
    /// <summary>IKE SA proposals in order of preference; the first one's group is used for the first KE.</summary>
    public required IReadOnlyList<IkeSuite> Proposals { get; init; }

    /// <summary>Largest IP datagram a protected message may make before it goes in fragments (RFC 7383).</summary>
    public int FragmentSize { get; init; } = 1280;

    public required string LocalIdentity { get; init; }

    /// <summary>
    /// The responder's identity: sent as IDr, and its IDr must be this one (type and value). Required: with
    /// certificates from one CA, any member's certificate could otherwise pose as the controller.
    /// </summary>
    public required string RemoteIdentity { get; init; }

    /// <summary>The PSK (RFC 7296 §2.15), or null with <see cref="Certificates"/>: exactly one is set.</summary>
    public SecretBytes? Psk { get; init; }

    /// <summary>Signature authentication with certificates (RFC 7427) instead of a PSK; then the responder must sign too.</summary>
    public CertificateAuth? Certificates { get; init; }

    /// <summary>False: no CHILD_SA in IKE_AUTH when the responder takes that (RFC 6023); one is asked for otherwise.</summary>
    public bool RequestChildSa { get; init; } = true;

    /// <summary>ESP proposals for the CHILD_SA negotiated in IKE_AUTH.</summary>
    public required IReadOnlyList<EspSuite> ChildProposals { get; init; }

    public required IReadOnlyList<TrafficSelector> LocalSelectors { get; init; }

    public required IReadOnlyList<TrafficSelector> RemoteSelectors { get; init; }

    public bool TransportMode { get; init; }

    /// <summary>Our address and port as we send from them; with it, IKE_SA_INIT carries NAT detection (RFC 7296 §2.23)
    /// and a detected NAT moves the SA to port 4500 with UDP-encapsulated ESP. Needs SHA-1 (libssl).</summary>
    public System.Net.IPEndPoint? LocalEndpoint { get; init; }

    /// <summary>
    /// Act as behind a NAT whatever the path (strongSwan's <c>encap = yes</c>; RFC 7296 §2.23 NAT-D data, faked): IKE
    /// moves to port 4500 after IKE_SA_INIT and ESP is encapsulated in UDP. Works without SHA-1: the NAT-D data we send
    /// is random but for the destination's hash, which is real only with <see cref="LocalEndpoint"/>; the peer's is not checked.
    /// </summary>
    public bool ForceUdpEncapsulation { get; init; }

    public bool SendMpsaVendorId { get; init; } = true;

    public bool InitialContact { get; init; } = true;

    /// <summary>Announce MOBIKE_SUPPORTED (RFC 4555) in IKE_AUTH: when the responder does too, an address change moves the
    /// IKE SA (<see cref="IkeInitiator.UpdateAddresses"/>) instead of making a new one.</summary>
    public bool Mobike { get; init; } = true;

    public RetransmitPolicy Retransmit { get; init; } = RetransmitPolicy.Default;

    public IRandom Random { get; init; } = SystemRandom.Instance;

    /// <summary>One X25519 key share for the IKE_SA_INITs of many IKE SAs (RFC 7296 §2.12, <see cref="KeyShareReuse"/>:
    /// retired when the first of them ends): for a load generator that opens thousands; null, as on a CPE: a fresh
    /// private value for every IKE SA.</summary>
    public KeyShareReuse? KeyShares { get; init; }

    /// <summary>Our inbound CHILD_SA SPI (the kernel's ALLOCSPI in a daemon); random when not set.</summary>
    public Func<uint>? AllocateChildSpi { get; init; }

    public int MaxCookieRetries { get; init; } = 3;

    public int MaxKeRetries { get; init; } = 2;
}
