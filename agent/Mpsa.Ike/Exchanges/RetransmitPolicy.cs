namespace Mpsa.Ike.Exchanges;

/// <summary>RFC 7296 §2.1 retransmission: the requester resends unchanged bytes with exponential backoff, then gives up.</summary>
public sealed record RetransmitPolicy(TimeSpan Initial, double Multiplier, int MaxTransmissions)
{
    /// <summary>2 s doubling, six transmissions: the peer is declared gone about two minutes after the first send.</summary>
    public static readonly RetransmitPolicy Default = new(TimeSpan.FromSeconds(2), 2.0, 6);

    public TimeSpan Timeout(int transmission) => TimeSpan.FromMilliseconds(Initial.TotalMilliseconds * Math.Pow(Multiplier, transmission - 1));
}

/// <summary>A request in flight (window size 1): its bytes, how often sent, when to resend.</summary>
internal sealed record PendingRequest(uint MessageId, ExchangeTypeAndKind What, byte[] Datagram, int Transmissions, MonoTime RetransmitAt)
{
    /// <summary>What goes on the wire when the message is sent as Encrypted Fragments (RFC 7383); else
    /// <see cref="Datagram"/>, which holds the whole message either way.</summary>
    public IReadOnlyList<byte[]>? Fragments { get; init; }

    /// <summary>The next send is the quiet early resend of <see cref="IkeSaContext.FirstRequestGrace"/>.</summary>
    public bool Grace { get; init; }

    public static PendingRequest First(uint id, ExchangeTypeAndKind what, byte[] datagram, RetransmitPolicy policy, MonoTime now) =>
        new(id, what, datagram, 1, now + policy.Timeout(1));

    public PendingRequest Resent(RetransmitPolicy policy, MonoTime now) =>
        this with { Transmissions = Transmissions + 1, RetransmitAt = now + policy.Timeout(Transmissions + 1) };

    public bool Exhausted(RetransmitPolicy policy) => Transmissions >= policy.MaxTransmissions;
}

/// <summary>Which exchange a pending request belongs to and what its answer means.</summary>
internal readonly record struct ExchangeTypeAndKind(Wire.ExchangeType Exchange, RequestKind Kind, IReadOnlyList<Wire.EspSpi>? MpsaSpis = null);

internal enum RequestKind
{
    IkeSaInit,
    IkeIntermediate,
    IkeAuth,
    Liveness,
    MpsaPut,
    MpsaRefusal,
    DeleteIkeSa,
    RekeyIkeSa,
    IkeFollowupKe,
    RekeyChildSa,
    DeleteChildSa,
    UpdateSaAddresses,
}
