using System.Security.Cryptography;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.GroupSa;

/// <summary>
/// The rollover schedule of the multi-point SAs (draft-mpsa §3.3.2, §3.3.3; docs/PROTOCOL.md), sans-I/O: MPSA_PUT
/// messages and the time go in, steps go out through <see cref="IDataPlane"/>, and <see cref="NextDeadline"/> says
/// when to call <see cref="OnTimeout"/>. Owned by the driver loop (not thread-safe).
/// <list type="bullet">
/// <item>A message is judged by <see cref="MpsaPutValidation"/> with the local policy, then carried out all or
/// nothing: a kernel refusal undoes what the message had done.</item>
/// <item>KEYMAT = prf+(SK_d, Nonce), split as encryption key then integrity key; the same keys serve both directions.</item>
/// <item>With no SA sending, a new SA goes in inbound and outbound at once ("Rollover time 1, 2 have no meaning
/// when no old multi-point SA exists").</item>
/// <item>Otherwise: new inbound now (pending); at its ROLL1 the new outbound goes in and the old outbound out (old
/// draining); at its ROLL2 the old inbound goes. A pending SA replaced before its ROLL1 never sends.</item>
/// <item>Every SA leaves at its own LIFE at the latest, whatever came after it (a hard cap); then the newest pending
/// SA starts sending at once.</item>
/// </list>
/// </summary>
internal sealed class GroupSaManager : IDisposable, IHeldGroupSas
{
    private readonly IDataPlane _dataPlane;
    private readonly List<SharedSa> _sas = [];   // oldest first; the last one is the newest
    private readonly List<MpsaRefusal> _failures = [];

    public GroupSaManager(IDataPlane dataPlane, MpsaPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(dataPlane);
        _dataPlane = dataPlane;
        Policy = policy ?? MpsaPolicy.Default;
    }

    /// <summary>The local rules MPSA_PUT is judged by (a reload may change them; SAs held are kept).</summary>
    public MpsaPolicy Policy { get; set; }

    /// <summary>The SAs held, oldest first.</summary>
    public IReadOnlyList<SharedSa> Sas => _sas;

    public int Count => _sas.Count;

    /// <summary>The earliest ROLL1, ROLL2 or LIFE step still to do; null when nothing is installed.</summary>
    public MonoTime? NextDeadline
    {
        get
        {
            MonoTime? next = null;
            foreach (var sa in _sas)
            {
                next = MonoTime.Min(next, sa.PlannedEnd);
            }
            if (WaitingForRollover1() is { } pending)
            {
                next = MonoTime.Min(next, pending.Rollover1At);
            }
            return next;
        }
    }

    private SharedSa? Newest => _sas.Count == 0 ? null : _sas[^1];

    private bool Sending => _sas.Exists(s => s.OutboundInstalled);

    /// <summary>
    /// Judges and carries out one MPSA_PUT message (the caller keeps ownership of <paramref name="puts"/>). Steps due
    /// at <paramref name="now"/> are carried out first and after. The outcome says what the kernel now holds.
    /// </summary>
    public GroupSaOutcome Receive(IReadOnlyList<MpsaPut> puts, bool peerSentVendorId, MonoTime now)
    {
        ArgumentNullException.ThrowIfNull(puts);
        RunDue(now);
        if (MpsaPutValidation.Validate(puts, Policy, peerSentVendorId, this) is { } refusal)
        {
            return GroupSaOutcome.Refused(refusal);
        }
        var undo = new Stack<Action>();
        var installed = new List<EspSpi>();
        var refreshed = new List<EspSpi>();
        MpsaRefusal? failure = null;
        foreach (var put in puts)
        {
            var existing = _sas.Find(s => s.Spi == put.Spi);
            failure = existing is not null ? Refresh(existing, put, now, undo) : Install(put, now, undo);
            if (failure is not null)
            {
                break;
            }
            (existing is null ? installed : refreshed).Add(put.Spi);
        }
        // An SA whose outbound the kernel refused at ROLL1, pushed again: tried last, because taking the old outbound
        // out is the one step that cannot be undone.
        if (failure is null && Newest is { OutboundRefused: true } retry && refreshed.Contains(retry.Spi) && now >= retry.Rollover1At
            && !TryActivate(retry, now))
        {
            failure = MpsaRefusal.Temporary(retry.Spi, "the kernel refused the outbound state again; still sending with the old SA");
        }
        if (failure is not null)
        {
            while (undo.TryPop(out var step))
            {
                step();
            }
            return GroupSaOutcome.Refused(failure);
        }
        RunDue(now);
        return new GroupSaOutcome(null, installed, refreshed);
    }

    /// <summary>Carries out every step due at <paramref name="now"/>; a call with nothing due does nothing.</summary>
    /// <returns>SAs accepted earlier that could not be carried out (outbound refused at ROLL1): report them.</returns>
    public IReadOnlyList<MpsaRefusal> OnTimeout(MonoTime now)
    {
        RunDue(now);
        if (_failures.Count == 0)
        {
            return [];
        }
        var failures = new List<MpsaRefusal>(_failures);
        _failures.Clear();
        return failures;
    }

    public HeldMatch Match(EspSpi spi, MpsaPut put, EspSuite suite)
    {
        ArgumentNullException.ThrowIfNull(put);
        if (_sas.Find(s => s.Spi == spi) is not { } held)
        {
            return HeldMatch.NotHeld;
        }
        if (held.Suite != suite)
        {
            return HeldMatch.OtherKeys;
        }
        using var keys = Derive(put, suite);
        return keys is not null
            && CryptographicOperations.FixedTimeEquals(held.Keys.EncrKey.Span, keys.EncrKey.Span)
            && CryptographicOperations.FixedTimeEquals(held.Keys.IntegKey.Span, keys.IntegKey.Span)
            ? HeldMatch.SameKeys
            : HeldMatch.OtherKeys;
    }

    /// <summary>The SAs held, oldest first, as the status command shows them.</summary>
    public IReadOnlyList<GroupSaStatus> Snapshot(MonoTime now) =>
        _sas.ConvertAll(sa => new GroupSaStatus(
            sa.Spi.ToString(),
            sa.OutboundRefused ? "refused-outbound" : sa.StateName,
            Math.Max(0, (long)Math.Ceiling((sa.PlannedEnd - now).TotalSeconds)),
            SuiteNames.Name(sa.Suite),
            sa.Fingerprint));

    /// <summary>Removes every SA from the data plane and zeroes its keys (shutdown).</summary>
    public void RemoveAll()
    {
        for (int i = _sas.Count - 1; i >= 0; i--)
        {
            Remove(_sas[i], now: null);
        }
    }

    /// <summary>Zeroes every SA's keys without touching the kernel: its states stay until <see cref="RemoveAll"/> or
    /// their hard lifetime (the SA's LIFE).</summary>
    public void Dispose()
    {
        foreach (var sa in _sas)
        {
            sa.Dispose();
        }
        _sas.Clear();
    }

    private MpsaRefusal? Install(MpsaPut put, MonoTime now, Stack<Action> undo)
    {
        var suite = MpsaPutValidation.SuiteOf(put);
        if (Derive(put, suite) is not { } keys)
        {
            return MpsaRefusal.Unacceptable(put.Spi, $"cannot derive keys for {suite} with {put.Prf}");
        }
        var sa = new SharedSa(put.Spi, suite, keys, KeymatFingerprint.Of(keys), now,
            TimeSpan.FromSeconds(put.LifetimeSeconds), TimeSpan.FromSeconds(put.Rollover1Seconds), TimeSpan.FromSeconds(put.Rollover2Seconds));
        if (!_dataPlane.InstallInbound(sa, now))
        {
            sa.Dispose();
            return MpsaRefusal.Temporary(put.Spi, "the kernel refused the inbound state; keeping the installed SAs");
        }
        _sas.Add(sa);
        sa.State = SharedSaState.Pending;
        undo.Push(() =>
        {
            _dataPlane.RemoveInbound(sa);
            _sas.Remove(sa);
            sa.Dispose();
        });
        foreach (var older in _sas)
        {
            if (older != sa && older.State == SharedSaState.Pending)
            {
                // Replaced before its ROLL1: it never sends, and drains on the newest SA's ROLL2.
                var (state, removeAt) = (older.State, older.RemoveAt);
                older.State = SharedSaState.Draining;
                older.RemoveAt = sa.Rollover2At;
                undo.Push(() => (older.State, older.RemoveAt) = (state, removeAt));
            }
        }
        if (!Sending)
        {
            // draft §3.3.2: ROLL1/ROLL2 mean nothing when no old SA exists.
            if (!_dataPlane.ActivateOutbound(sa, now))
            {
                return MpsaRefusal.Temporary(put.Spi, "the kernel refused the outbound state; keeping the installed SAs");
            }
            sa.OutboundInstalled = true;
            sa.State = SharedSaState.Active;
            undo.Push(() =>
            {
                _dataPlane.RetireOutbound(sa);
                sa.OutboundInstalled = false;
            });
        }
        return null;
    }

    /// <summary>The same SPI with the same keys (validated): LIFE can only move earlier.</summary>
    private static MpsaRefusal? Refresh(SharedSa sa, MpsaPut put, MonoTime now, Stack<Action> undo)
    {
        var end = now + TimeSpan.FromSeconds(put.LifetimeSeconds);
        if (end < sa.LifeEndsAt)
        {
            var before = sa.LifeEndsAt;
            sa.LifeEndsAt = end;
            undo.Push(() => sa.LifeEndsAt = before);
        }
        return null;
    }

    private static EspKeys? Derive(MpsaPut put, EspSuite suite)
    {
        try
        {
            return ChildKeyMaterial.DeriveMpsa(Prf.Create(put.Prf), put.SkD.Span, put.Nonce, suite);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The newest SA, while it waits for its ROLL1 to start sending.</summary>
    private SharedSa? WaitingForRollover1() =>
        Newest is { State: SharedSaState.Pending, OutboundRefused: false } pending ? pending : null;

    /// <summary>Carries out due steps in time order until none is due.</summary>
    private void RunDue(MonoTime now)
    {
        while (Earliest() is { } step && step.At <= now)
        {
            step.Apply(now);   // states added now count their hard lifetime from now, even when the loop woke late
        }
    }

    /// <summary>The earliest step and what it does. On a tie, LIFE and removals go before an activation.</summary>
    private (MonoTime At, Action<MonoTime> Apply)? Earliest()
    {
        (MonoTime At, Action<MonoTime> Apply)? best = null;
        foreach (var sa in _sas)
        {
            if (best is null || sa.PlannedEnd < best.Value.At)
            {
                best = (sa.PlannedEnd, now => Remove(sa, now));
            }
        }
        if (WaitingForRollover1() is { } pending && (best is null || pending.Rollover1At < best.Value.At))
        {
            best = (pending.Rollover1At, now => Rollover1(pending, now));
        }
        return best;
    }

    /// <summary>ROLL1 of the newest SA; a kernel refusal keeps the old outbound (until its LIFE) and is reported.</summary>
    private void Rollover1(SharedSa sa, MonoTime now)
    {
        if (!TryActivate(sa, now))
        {
            sa.OutboundRefused = true;
            _failures.Add(MpsaRefusal.Temporary(sa.Spi,
                "the kernel refused the outbound state at ROLL1; still sending with the old SA until its LIFE"));
        }
    }

    /// <summary>New outbound in first (the kernel prefers the newest state), then the old outbound out.</summary>
    private bool TryActivate(SharedSa sa, MonoTime now)
    {
        if (!_dataPlane.ActivateOutbound(sa, now))
        {
            return false;
        }
        sa.OutboundInstalled = true;
        sa.OutboundRefused = false;
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
        return true;
    }

    /// <summary>Outbound first, then inbound: never an outbound state without its inbound. When the SA that was
    /// sending goes and a successor waits, the successor sends at once (no old SA is left); not at shutdown (no now).</summary>
    private void Remove(SharedSa sa, MonoTime? now)
    {
        if (sa.OutboundInstalled)
        {
            _dataPlane.RetireOutbound(sa);
            sa.OutboundInstalled = false;
        }
        _dataPlane.RemoveInbound(sa);
        _sas.Remove(sa);
        sa.Dispose();
        if (now is { } at && !Sending && Newest is { State: SharedSaState.Pending } next && !TryActivate(next, at))
        {
            next.OutboundRefused = true;
            _failures.Add(MpsaRefusal.Temporary(next.Spi, "the kernel refused the outbound state; this member sends with no group SA"));
        }
    }
}
