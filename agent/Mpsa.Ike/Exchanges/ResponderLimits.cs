using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// Bounds that keep a responder on a public address alive under floods and malicious members. Above a bound the
/// input is dropped and a <see cref="LimitReached"/> event names the bound (the daemon logs it).
/// </summary>
public sealed record ResponderLimits
{
    /// <summary>IKE SAs, half-open and established, in total.</summary>
    public int MaxIkeSas { get; init; } = 20_000;

    /// <summary>IKE SAs, half-open and established, whose IKE_SA_INIT came from one IP address (any port).</summary>
    public int MaxIkeSasPerAddress { get; init; } = 64;

    /// <summary>Half-open SAs beyond which new IKE_SA_INIT requests are dropped outright.</summary>
    public int MaxHalfOpen { get; init; } = 10_000;

    /// <summary>Largest datagram looked at (RFC 7296 §2: at least 1280 must be accepted; strongSwan's default is 10000).</summary>
    public int MaxMessageSize { get; init; } = 16_384;

    /// <summary>Payloads in one message, cleartext and inner together; at most <see cref="IkeMessage.MaxPayloads"/>.</summary>
    public int MaxPayloads { get; init; } = IkeMessage.MaxPayloads;

    public static ResponderLimits Default { get; } = new();
}

/// <summary>An input was dropped because a <see cref="ResponderLimits"/> bound was reached (the bound's config key and the detail).</summary>
public sealed record LimitReached(System.Net.IPEndPoint From, string Limit, string Detail) : IkeEvent;
