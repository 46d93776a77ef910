using System.Globalization;
using System.Security.Cryptography;
using Mpsa.Netlink.Kernel;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.GroupSa;

/// <summary>
/// The rollover schedule of the multi-point SAs (draft-mpsa §3.3.2, §3.3.3), sans-I/O: MPSA_PUT and the time go in,
/// steps go out through <see cref="IDataPlane"/>, and <see cref="NextDeadline"/> says when to call
/// <see cref="OnTimeout"/>. Owned by the driver loop (not thread-safe).
/// <list type="bullet">
/// <item>KEYMAT = prf+(SK_d, Nonce), split as encryption key then integrity key; the same keys serve both directions.</item>
/// <item>With no SA sending yet, a new SA goes in inbound and outbound at once ("Rollover time 1, 2 have no meaning
/// when no old multi-point SA exists").</item>
/// <item>Otherwise: new inbound now (pending); at its ROLL1 the new outbound goes in and the old outbound out (old
/// draining); at its ROLL2 the old inbound goes. The newest SA wins: a pending SA replaced before its ROLL1 never
/// sends, and drains on the newest SA's ROLL2.</item>
/// <item>At LIFE everything of an SA goes, unless a newer SA replaced it: then the rollover decides when it goes.</item>
/// </list>
/// </summary>
internal sealed class GroupSaManager : IDisposable
{
    private readonly IDataPlane _dataPlane;
    private readonly GroupSaOptions _options;
    private readonly List<SharedSa> _sas = [];   // oldest first; the last one is the newest

    public GroupSaManager(IDataPlane dataPlane, GroupSaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataPlane);
        _dataPlane = dataPlane;
        _options = options ?? GroupSaOptions.Default;
    }

    /// <summary>The SAs held, oldest first.</summary>
    public IReadOnlyList<SharedSa> Sas => _sas;

    /// <summary>The earliest ROLL1, ROLL2 or LIFE step still to do; null when nothing is installed.</summary>
    public MonoTime? NextDeadline
    {
        get
        {
            MonoTime? next = null;
            foreach (var sa in _sas)
            {
                if (sa.State == SharedSaState.Draining)
                {
                    next = MonoTime.Min(next, sa.RemoveAt);
                }
            }
            if (Newest is { } newest)
            {
                next = MonoTime.Min(next, newest.LifeEndsAt);
                if (newest.State == SharedSaState.Pending)
                {
                    next = MonoTime.Min(next, newest.Rollover1At);
                }
            }
            return next;
        }
    }

    private SharedSa? Newest => _sas.Count == 0 ? null : _sas[^1];

    /// <summary>
    /// Takes one MPSA_PUT. The caller keeps ownership of <paramref name="put"/> (and its SK_d). Steps that are due at
    /// <paramref name="now"/> (ROLL1 = 0, say) are carried out before returning.
    /// </summary>
    public GroupSaOutcome Receive(MpsaPut put, MonoTime now)
    {
        ArgumentNullException.ThrowIfNull(put);
        var outcome = Admit(put, now);
        RunDue(now);
        return outcome;
    }

    /// <summary>Carries out every step due at <paramref name="now"/>; a call with nothing due does nothing.</summary>
    public void OnTimeout(MonoTime now) => RunDue(now);

    /// <summary>The SAs held, oldest first, as the status command shows them.</summary>
    public IReadOnlyList<GroupSaStatus> Snapshot(MonoTime now) =>
        [.. _sas.Select(sa => new GroupSaStatus(
            sa.Spi.ToString(),
            sa.State.ToString().ToLowerInvariant(),
            Math.Max(0, (long)Math.Ceiling((PlannedEnd(sa) - now).TotalSeconds)),
            Ike.Crypto.SuiteNames.Name(sa.Suite),
            sa.Fingerprint))];

    /// <summary>Removes every SA from the data plane and zeroes its keys (shutdown).</summary>
    public void RemoveAll()
    {
        for (int i = _sas.Count - 1; i >= 0; i--)
        {
            Remove(_sas[i]);
        }
    }

    /// <summary>Zeroes every SA's keys without touching the kernel: its states stay until <see cref="RemoveAll"/> or their hard lifetime.</summary>
    public void Dispose()
    {
        foreach (var sa in _sas)
        {
            sa.Dispose();
        }
        _sas.Clear();
    }

    private GroupSaOutcome Admit(MpsaPut put, MonoTime now)
    {
        if (Check(put, out var suite) is { } reason)
        {
            return GroupSaOutcome.Rejected(put.Spi, reason);
        }
        string? warning = suite.IsCounterModeAead
            ? $"{suite} is a counter-mode AEAD: every group member generates IVs under the same key, so IVs can repeat; prefer AES-CBC with HMAC"
            : null;

        EspKeys keys;
        try
        {
            keys = ChildKeyMaterial.DeriveMpsa(Prf.Create(put.Prf), put.SkD.Span, put.Nonce, suite);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or CryptographicException)
        {
            return GroupSaOutcome.Rejected(put.Spi, $"cannot derive keys for {suite} with {put.Prf}: {e.Message}");
        }

        if (_sas.Find(s => s.Spi == put.Spi) is { } existing)
        {
            return Repeated(existing, put, keys, warning, now);
        }

        string fingerprint = KeymatFingerprint.Of(keys);
        var sa = new SharedSa(put.Spi, suite, keys, fingerprint, now,
            TimeSpan.FromSeconds(put.LifetimeSeconds), TimeSpan.FromSeconds(put.Rollover1Seconds), TimeSpan.FromSeconds(put.Rollover2Seconds));
        sa.SafetyNetEnd = sa.LifeEndsAt;
        if (!_dataPlane.InstallInbound(sa))
        {
            sa.Dispose();
            return GroupSaOutcome.Rejected(put.Spi, "the kernel refused the inbound state; keeping the installed SAs");
        }

        bool sending = _sas.Exists(s => s.OutboundInstalled);
        foreach (var older in _sas)
        {
            if (older.State == SharedSaState.Pending)
            {
                // Replaced before its ROLL1: it never sends; others may, until they take the newest.
                older.State = SharedSaState.Draining;
                older.RemoveAt = sa.Rollover2At;
            }
        }
        _sas.Add(sa);
        if (sending)
        {
            sa.State = SharedSaState.Pending;
        }
        else
        {
            // draft §3.3.2: ROLL1/ROLL2 mean nothing when no old SA exists.
            sa.State = SharedSaState.Active;
            _dataPlane.ActivateOutbound(sa);
            sa.OutboundInstalled = true;
        }
        ExtendSafetyNets();
        return GroupSaOutcome.Accepted(sa.Spi, warning);
    }

    /// <summary>The same SPI again: identical algorithms and keys refresh LIFE (a re-push after a reconnect); anything else is refused.</summary>
    private GroupSaOutcome Repeated(SharedSa existing, MpsaPut put, EspKeys keys, string? warning, MonoTime now)
    {
        bool same = existing.Suite == keys.Suite
            && CryptographicOperations.FixedTimeEquals(existing.Keys.EncrKey.Span, keys.EncrKey.Span)
            && CryptographicOperations.FixedTimeEquals(existing.Keys.IntegKey.Span, keys.IntegKey.Span);
        keys.Dispose();
        if (!same)
        {
            return GroupSaOutcome.Rejected(put.Spi, "SPI already installed with other keys or algorithms; keeping the installed SA");
        }
        existing.LifeEndsAt = now + TimeSpan.FromSeconds(put.LifetimeSeconds);
        ExtendSafetyNets();
        return GroupSaOutcome.Refreshed(put.Spi, warning);
    }

    /// <summary>Null when the SA can be installed, else why not. Nothing installed is touched either way.</summary>
    private string? Check(MpsaPut put, out EspSuite suite)
    {
        suite = new EspSuite(put.Encr, put.EncrKeyBits ?? DefaultKeyBits(put.Encr) ?? 0, put.Integ);
        if (put.LifetimeSeconds == 0)
        {
            return "LIFE is 0";
        }
        if (put.Rollover1Seconds > put.Rollover2Seconds)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"ROLL1 ({put.Rollover1Seconds}s) is later than ROLL2 ({put.Rollover2Seconds}s): the old inbound would go before the new outbound starts");
        }
        if (!Prf.IsSupported(put.Prf))
        {
            return $"PRF {put.Prf} is not supported";
        }
        if (_options.AllowedPrfs is { } prfs && !prfs.Contains(put.Prf))
        {
            return $"PRF {put.Prf} is not allowed by the configuration";
        }
        if (put.EncrKeyBits is null && DefaultKeyBits(put.Encr) is null)
        {
            return $"{put.Encr} needs a Key Length attribute (RFC 7296 §3.3.5)";
        }
        if (!suite.IsSupported || !XfrmAlgorithms.CanInstall(suite))
        {
            return $"ESP suite {suite} cannot be installed";
        }
        if (_options.AllowedSuites is { } suites && !suites.Contains(suite))
        {
            return $"ESP suite {suite} is not allowed by the configuration";
        }
        return null;
    }

    /// <summary>Key size of a cipher whose transform carries no Key Length attribute: only fixed-size ciphers have one.</summary>
    private static int? DefaultKeyBits(EncrId encr) => encr switch
    {
        EncrId.ENCR_CHACHA20_POLY1305 => 256,
        EncrId.ENCR_3DES => 192,
        _ => null,
    };

    /// <summary>Carries out due steps in time order until none is due.</summary>
    private void RunDue(MonoTime now)
    {
        while (Earliest() is { } step && step.At <= now)
        {
            step.Apply();
        }
    }

    /// <summary>The earliest step and what it does. On a tie, LIFE and removals go before an activation.</summary>
    private (MonoTime At, Action Apply)? Earliest()
    {
        (MonoTime At, Action Apply)? best = null;
        void Consider(MonoTime at, Action apply)
        {
            if (best is null || at < best.Value.At)
            {
                best = (at, apply);
            }
        }

        if (Newest is { } newest)
        {
            Consider(newest.LifeEndsAt, () => Remove(newest));
        }
        foreach (var sa in _sas)
        {
            if (sa is { State: SharedSaState.Draining, RemoveAt: { } removeAt })
            {
                Consider(removeAt, () => Remove(sa));
            }
        }
        if (Newest is { State: SharedSaState.Pending } pending)
        {
            Consider(pending.Rollover1At, () => Activate(pending));
        }
        return best;
    }

    /// <summary>ROLL1 of the newest SA: new outbound in first (the kernel prefers the newest state), then the old outbound out.</summary>
    private void Activate(SharedSa sa)
    {
        _dataPlane.ActivateOutbound(sa);
        sa.OutboundInstalled = true;
        sa.State = SharedSaState.Active;
        foreach (var old in _sas)
        {
            if (old != sa && old.OutboundInstalled)
            {
                _dataPlane.RetireOutbound(old);
                old.OutboundInstalled = false;
                old.State = SharedSaState.Draining;
                old.RemoveAt = sa.Rollover2At;
            }
        }
        ExtendSafetyNets();
    }

    private void Remove(SharedSa sa)
    {
        if (sa.OutboundInstalled)
        {
            _dataPlane.RetireOutbound(sa);
            sa.OutboundInstalled = false;
        }
        _dataPlane.RemoveInbound(sa);
        _sas.Remove(sa);
        sa.Dispose();
        ExtendSafetyNets();
    }

    /// <summary>When the SA is planned to leave the kernel, as far as is known now.</summary>
    private MonoTime PlannedEnd(SharedSa sa) => sa switch
    {
        { State: SharedSaState.Draining, RemoveAt: { } removeAt } => removeAt,
        _ when sa == Newest => sa.LifeEndsAt,
        _ => Newest!.Rollover2At,   // active, replaced by a pending SA: drains at its ROLL1 and goes at its ROLL2
    };

    private void ExtendSafetyNets()
    {
        foreach (var sa in _sas)
        {
            var end = PlannedEnd(sa);
            if (end > sa.SafetyNetEnd)
            {
                sa.SafetyNetEnd = end;
                _dataPlane.UpdateLifetime(sa);
            }
        }
    }
}
