using Mpsa.Ike.Crypto;

namespace Mpsa.Ike.Exchanges;

/// <summary>What a <see cref="RekeySchedule"/> says is due.</summary>
public enum RekeyDue
{
    None,
    IkeSa,
    ChildSa,
    /// <summary>A fresh IKE_SA_INIT/IKE_AUTH (reauth_time, or the responder's AUTH_LIFETIME).</summary>
    Reauthentication,
}

/// <summary>
/// The rekey times of one IKE SA and its CHILD_SA, sans-I/O: the daemon tells it when SAs were made or rekeyed (by
/// either side) and asks what is due. A rekey started waits for its outcome; a failure is tried again later.
/// </summary>
public sealed class RekeySchedule(RekeyPolicy policy, IRandom random) : IRandomFraction
{
    private bool _ikeRunning, _childRunning, _reauthRunning;

    public RekeyPolicy Policy { get; set; } = policy;

    public MonoTime? IkeEstablishedAt { get; private set; }
    public MonoTime? ChildEstablishedAt { get; private set; }
    public MonoTime? IkeRekeyAt { get; private set; }
    public MonoTime? ChildRekeyAt { get; private set; }

    /// <summary>When the peer was last authenticated (IKE_AUTH; rekeys do not count).</summary>
    public MonoTime? AuthenticatedAt { get; private set; }

    /// <summary>When this side reauthenticates; null: never.</summary>
    public MonoTime? ReauthAt { get; private set; }

    /// <summary>The earliest rekey not yet started.</summary>
    public MonoTime? NextDeadline => MonoTime.Min(MonoTime.Min(_ikeRunning || _reauthRunning ? null : IkeRekeyAt, _childRunning ? null : ChildRekeyAt),
        _reauthRunning ? null : ReauthAt);

    /// <summary>IKE_AUTH completed: the IKE SA is new and so is the authentication (the reauth timer starts).</summary>
    public void Authenticated(MonoTime now)
    {
        IkeSaMade(now);
        AuthenticatedAt = now;
        ReauthAt = Policy.ReauthTime > TimeSpan.Zero ? Policy.RekeyAt(now, Policy.ReauthTime, this) : null;
        _reauthRunning = false;
    }

    /// <summary>The responder's side: the peer must have reauthenticated by <paramref name="at"/> (it was told so).</summary>
    public void RequireReauthBy(MonoTime at) => ReauthAt = at;

    /// <summary>The responder wants a reauthentication within <paramref name="lifetime"/> (RFC 4478): it comes earlier
    /// if our own reauth_time would come later.</summary>
    public void PeerAuthLifetime(MonoTime now, TimeSpan lifetime)
    {
        var at = RekeyPolicy.ReauthBefore(now, lifetime, this);
        ReauthAt = MonoTime.Min(ReauthAt, at);
    }

    /// <summary>A new IKE SA (IKE_AUTH completed, or a rekey of it by either side).</summary>
    public void IkeSaMade(MonoTime now)
    {
        IkeEstablishedAt = now;
        IkeRekeyAt = Policy.RekeyAt(now, Policy.IkeLifetime, this);
        _ikeRunning = false;
    }

    /// <summary>A new CHILD_SA (with IKE_AUTH, or a rekey of it by either side).</summary>
    public void ChildSaMade(MonoTime now)
    {
        ChildEstablishedAt = now;
        ChildRekeyAt = Policy.RekeyAt(now, Policy.ChildLifetime, this);
        _childRunning = false;
    }

    /// <summary>The CHILD_SA is gone (or never came): nothing of it to rekey.</summary>
    public void ChildSaGone() => (ChildEstablishedAt, ChildRekeyAt, _childRunning) = (null, null, false);

    /// <summary>The kernel's soft expire of a CHILD_SA state came first: the CHILD_SA is due now.</summary>
    public void ChildSaExpiring(MonoTime now)
    {
        if (ChildRekeyAt is { } at && at > now && !_childRunning)
        {
            ChildRekeyAt = now;
        }
    }

    /// <summary>A rekey of ours failed: tried again later.</summary>
    public void Failed(RekeyDue what, MonoTime now)
    {
        var retry = now + RekeyPolicy.RetryAfterFailure;
        switch (what)
        {
            case RekeyDue.IkeSa:
                (IkeRekeyAt, _ikeRunning) = (retry, false);
                break;
            case RekeyDue.ChildSa when ChildEstablishedAt is not null:
                (ChildRekeyAt, _childRunning) = (retry, false);
                break;
            case RekeyDue.Reauthentication:
                (ReauthAt, _reauthRunning) = (retry, false);
                break;
        }
    }

    /// <summary>What is due at <paramref name="now"/> (reauthentication first, then the IKE SA); marks it started.</summary>
    public RekeyDue Take(MonoTime now)
    {
        if (!_reauthRunning && ReauthAt is { } reauth && now >= reauth)
        {
            _reauthRunning = true;
            return RekeyDue.Reauthentication;
        }
        if (!_ikeRunning && !_reauthRunning && IkeRekeyAt is { } ike && now >= ike)   // a reauthentication replaces the IKE SA anyway
        {
            _ikeRunning = true;
            return RekeyDue.IkeSa;
        }
        if (!_childRunning && ChildRekeyAt is { } child && now >= child)
        {
            _childRunning = true;
            return RekeyDue.ChildSa;
        }
        return RekeyDue.None;
    }

    public double NextFraction()
    {
        Span<byte> b = stackalloc byte[4];
        random.Fill(b);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b) / 4294967296.0;
    }
}
