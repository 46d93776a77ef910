namespace Mpsa.Ike.Exchanges;

/// <summary>
/// When an IKE SA and its CHILD_SA are rekeyed (RFC 7296 §2.8), as operators know it from strongSwan: the IKE SA
/// every 4 h, the CHILD_SA every hour, each time up to 10 % earlier at random so that thousands of SAs set up
/// together do not rekey together. The kernel drops a CHILD_SA state at its hard lifetime (the rekey time plus 10 %)
/// should the rekey never happen.
/// </summary>
public sealed record RekeyPolicy(TimeSpan IkeLifetime, TimeSpan ChildLifetime, int JitterPercent)
{
    public static RekeyPolicy Default { get; } = new(TimeSpan.FromHours(4), TimeSpan.FromHours(1), 10);

    /// <summary>Reauthentication (a fresh IKE_SA_INIT/IKE_AUTH, make-before-break) this long after the last one;
    /// zero: never (the default, as in strongSwan).</summary>
    public TimeSpan ReauthTime { get; init; }

    /// <summary>A rekey that failed (refused, no answer on a live SA) is tried again this much later.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    /// <summary>The kernel's hard lifetime of CHILD_SA states: the rekey time plus 10 %.</summary>
    public TimeSpan ChildHardLifetime => ChildLifetime + ChildLifetime / 10;

    /// <summary>When the responder's N(AUTH_LIFETIME) lets us reauthenticate: before its deadline by 10 % to 20 %.</summary>
    public static MonoTime ReauthBefore(MonoTime now, TimeSpan lifetime, IRandomFraction random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return now + TimeSpan.FromMilliseconds(lifetime.TotalMilliseconds * (0.9 - 0.1 * random.NextFraction()));
    }

    /// <summary>When to rekey an SA made at <paramref name="now"/>: its lifetime less a random part of the jitter.</summary>
    public MonoTime RekeyAt(MonoTime now, TimeSpan lifetime, IRandomFraction random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double jitter = lifetime.TotalMilliseconds * JitterPercent / 100.0 * random.NextFraction();
        return now + TimeSpan.FromMilliseconds(lifetime.TotalMilliseconds - jitter);
    }
}

/// <summary>A number in [0, 1) for jitter; daemons draw it from their <see cref="Crypto.IRandom"/>.</summary>
public interface IRandomFraction
{
    double NextFraction();
}
