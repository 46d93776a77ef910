using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// A responder's X25519 key share answered to several IKE_SA_INITs (RFC 7296 §2.12), which halves the X25519 work of
/// a setup. Forward secrecy is kept as §2.12 describes: every IKE SA made with a share holds it, and the first of them
/// to end (deleted, expired half-open, rekeyed, replaced) retires it; a retired share takes no new exchange, and its
/// private value is zeroed once the exchanges in progress are done. It can then never recompute the keys of a closed
/// IKE SA, and while it lives, every IKE SA it could open still holds its own keys in memory anyway. A share is also
/// retired after <see cref="MaxAge"/>. Only X25519, which needs no check of the peer's value beyond the all-zero result
/// refused in every exchange (RFC 7748 §6.1); ECP and MODP values would need RFC 6989's tests before a private value
/// is reused, so those groups get a fresh one per exchange.
/// Thread-safe: offloaded IKE_SA_INIT jobs lease from several threads.
/// </summary>
public sealed class KeyShareReuse(TimeSpan maxAge, IRandom random) : IDisposable
{
    private readonly Lock _lock = new();
    private KeyShare? _current;
    private TimeSpan _maxAge = maxAge;

    /// <summary>The longest one share answers IKE_SA_INIT; zero: never reused (a reload may change it).</summary>
    public TimeSpan MaxAge
    {
        get { lock (_lock) { return _maxAge; } }
        set { lock (_lock) { _maxAge = value; } }
    }

    /// <summary>Shares made so far (a fresh one after every retirement).</summary>
    public long SharesMade { get; private set; }

    /// <summary>Our side of one X25519 exchange on the current share; null for another group or when reuse is off
    /// (the caller then makes a fresh exchange). Dispose the lease after deriving, as any exchange.</summary>
    public KeyShareLease? TryLease(DhGroup group, MonoTime now)
    {
        if (group != DhGroup.CURVE25519)
        {
            return null;
        }
        lock (_lock)
        {
            if (_maxAge <= TimeSpan.Zero)
            {
                _current?.RetireLocked();
                _current = null;
                return null;
            }
            if (_current is null || _current.IsRetired || now - _current.Made >= _maxAge)
            {
                _current?.RetireLocked();
                _current = new KeyShare(_lock, new X25519Exchange(random), now);
                SharesMade++;
            }
            return _current.LeaseLocked();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _current?.RetireLocked();
            _current = null;
        }
    }
}

/// <summary>One reused private value: retired by the first IKE SA made with it to end, zeroed when no exchange is using it.</summary>
public sealed class KeyShare
{
    private readonly Lock _lock;
    private readonly X25519Exchange _exchange;
    private int _leases;

    internal KeyShare(Lock sharedLock, X25519Exchange exchange, MonoTime made)
    {
        _lock = sharedLock;
        _exchange = exchange;
        Made = made;
    }

    internal MonoTime Made { get; }

    internal byte[] PublicValue => _exchange.PublicValue;

    public bool IsRetired { get; private set; }

    /// <summary>The private value is gone: retired, and no exchange in progress.</summary>
    public bool IsErased { get; private set; }

    /// <summary>No new exchange on this share; its private value is zeroed now, or when the last one in progress ends.</summary>
    public void Retire()
    {
        lock (_lock)
        {
            RetireLocked();
        }
    }

    internal void RetireLocked()
    {
        IsRetired = true;
        EraseIfUnused();
    }

    internal KeyShareLease LeaseLocked()
    {
        _leases++;
        return new KeyShareLease(this);
    }

    internal SecretBytes? Derive(ReadOnlySpan<byte> peerPublicValue) => _exchange.DeriveSharedSecret(peerPublicValue);

    internal void Release()
    {
        lock (_lock)
        {
            _leases--;
            EraseIfUnused();
        }
    }

    private void EraseIfUnused()
    {
        if (IsRetired && _leases == 0 && !IsErased)
        {
            _exchange.Dispose();
            IsErased = true;
        }
    }
}

/// <summary>Our side of one exchange on a reused <see cref="KeyShare"/>; the IKE SA it makes keeps <see cref="Share"/>.</summary>
public sealed class KeyShareLease : IDhExchange
{
    private bool _released;

    internal KeyShareLease(KeyShare share) => Share = share;

    public KeyShare Share { get; }

    public DhGroup Group => DhGroup.CURVE25519;

    public byte[] PublicValue => Share.PublicValue;

    public SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        ObjectDisposedException.ThrowIf(_released, this);
        return Share.Derive(peerPublicValue);
    }

    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            Share.Release();
        }
    }
}
