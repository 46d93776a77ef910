using System.Globalization;
using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// An <see cref="IKernel"/> that records what it is asked, keyed the way XFRM keys it (states by destination, SPI and
/// protocol; policies by selector, direction and mark), answering AlreadyExists/NotFound where the kernel would.
/// Serves tests and <c>--dry-run</c>: every request is described through the optional trace callback, with a key
/// fingerprint (<see cref="KeymatFingerprint"/>) in place of key bytes. Keeps its own copies of keys, like the kernel,
/// and zeroes them when a state goes. Thread-safe.
/// </summary>
internal sealed class InMemoryKernel : IKernel, IDisposable
{
    private readonly Dictionary<XfrmStateId, XfrmStateSpec> _states = [];
    private readonly Dictionary<XfrmStateId, (IPAddress? Source, uint ReqId)> _larval = [];
    private readonly Dictionary<XfrmPolicyId, XfrmPolicySpec> _policies = [];
    private readonly Dictionary<XfrmStateId, (ulong Packets, ulong Bytes)> _counters = [];
    private readonly List<Action<KernelEvent>> _subscribers = [];
    private readonly Action<string>? _trace;
    private readonly Lock _lock = new();

    /// <param name="trace">Receives one line per request, e.g. "add state in src any dst 192.0.2.1 spi 0xc0000101 esp ... fp 3f2a…"; never key bytes.</param>
    public InMemoryKernel(Action<string>? trace = null) => _trace = trace;

    /// <summary>Snapshot of the installed (non-larval) states, with the kernel's own key copies.</summary>
    public IReadOnlyList<XfrmStateSpec> States
    {
        get
        {
            lock (_lock)
            {
                return [.. _states.Values];
            }
        }
    }

    /// <summary>Snapshot of the installed policies.</summary>
    public IReadOnlyList<XfrmPolicySpec> Policies
    {
        get
        {
            lock (_lock)
            {
                return [.. _policies.Values];
            }
        }
    }

    /// <summary>SPIs reserved by <see cref="AllocateSpi"/> and not yet completed.</summary>
    public int LarvalCount
    {
        get
        {
            lock (_lock)
            {
                return _larval.Count;
            }
        }
    }

    /// <summary>The state with this key, or null.</summary>
    public XfrmStateSpec? FindState(XfrmStateId id)
    {
        lock (_lock)
        {
            return _states.GetValueOrDefault(id);
        }
    }

    public KernelResult[] AddStates(IReadOnlyList<XfrmStateSpec> states) => OneByOne.Each(states, AddState);

    public KernelResult[] UpdatePolicies(IReadOnlyList<XfrmPolicySpec> policies) => OneByOne.Each(policies, UpdatePolicy);

    public KernelResult AddState(XfrmStateSpec state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_lock)
        {
            string op = "add state " + Describe(state);
            if (Validate(state) is { } invalid)
            {
                return Trace(op, KernelResult.Failed(22, op, invalid));
            }
            if (_states.ContainsKey(state.Id) || _larval.ContainsKey(state.Id))
            {
                return Trace(op, KernelResult.AlreadyExists(op));
            }
            _states.Add(state.Id, Copy(state));
            return Trace(op, KernelResult.Ok);
        }
    }

    public KernelResult UpdateState(XfrmStateSpec state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_lock)
        {
            string op = "update state " + Describe(state);
            if (Validate(state) is { } invalid)
            {
                return Trace(op, KernelResult.Failed(22, op, invalid));
            }
            if (_larval.Remove(state.Id))
            {
                _states.Add(state.Id, Copy(state));
                return Trace(op, KernelResult.Ok);
            }
            if (!_states.TryGetValue(state.Id, out var old))
            {
                return Trace(op, KernelResult.NotFound(op));
            }
            _states[state.Id] = Copy(state);
            Zero(old);
            return Trace(op, KernelResult.Ok);
        }
    }

    public KernelResult DeleteState(XfrmStateId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            string op = $"delete state {id}";
            _counters.Remove(id);
            if (_states.Remove(id, out var old))
            {
                Zero(old);
                return Trace(op, KernelResult.Ok);
            }
            return Trace(op, _larval.Remove(id) ? KernelResult.Ok : KernelResult.NotFound(op));
        }
    }

    public KernelResult AddPolicy(XfrmPolicySpec policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            string op = $"add policy {policy}";
            if (Validate(policy) is { } invalid)
            {
                return Trace(op, KernelResult.Failed(22, op, invalid));
            }
            return Trace(op, _policies.TryAdd(policy.Id, policy) ? KernelResult.Ok : KernelResult.AlreadyExists(op));
        }
    }

    public KernelResult UpdatePolicy(XfrmPolicySpec policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            string op = $"update policy {policy}";
            if (Validate(policy) is { } invalid)
            {
                return Trace(op, KernelResult.Failed(22, op, invalid));
            }
            _policies[policy.Id] = policy;
            return Trace(op, KernelResult.Ok);
        }
    }

    public KernelResult DeletePolicy(XfrmPolicyId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            string op = $"delete policy {id}";
            return Trace(op, _policies.Remove(id) ? KernelResult.Ok : KernelResult.NotFound(op));
        }
    }

    /// <summary>Picks the lowest free SPI in the range (the kernel picks at random) and reserves it as a larval state.</summary>
    public KernelResult AllocateSpi(IPAddress? source, IPAddress destination, uint reqId, uint min, uint max, out EspSpi spi)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lock (_lock)
        {
            string op = string.Create(CultureInfo.InvariantCulture, $"allocate spi dst {destination} range 0x{min:x8}-0x{max:x8} reqid 0x{reqId:x}");
            spi = default;
            if (min > max)
            {
                return Trace(op, KernelResult.Failed(22, op, "empty SPI range"));
            }
            for (ulong v = min; v <= max; v++)
            {
                var id = new XfrmStateId(destination, new EspSpi((uint)v));
                if (!_states.ContainsKey(id) && !_larval.ContainsKey(id))
                {
                    _larval.Add(id, (source, reqId));
                    spi = id.Spi;
                    return Trace(op + $" -> 0x{spi.Value:x8}", KernelResult.Ok);
                }
            }
            return Trace(op, KernelResult.Failed(2, op, "no free SPI in range"));
        }
    }

    /// <summary>The state's traffic counters as <see cref="CountTraffic"/> set them (0 for a new or larval state); NotFound when absent.</summary>
    public KernelResult GetStateCounters(XfrmStateId id, out ulong packets, out ulong bytes)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            (packets, bytes) = _counters.GetValueOrDefault(id);
            return _states.ContainsKey(id) || _larval.ContainsKey(id)
                ? KernelResult.Ok
                : KernelResult.NotFound($"get state {id}");
        }
    }

    /// <summary>Simulates traffic through a state: adds to its packet and byte counters. False when there is no such state.</summary>
    public bool CountTraffic(XfrmStateId id, ulong packets, ulong bytes)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            if (!_states.ContainsKey(id))
            {
                return false;
            }
            var (p, b) = _counters.GetValueOrDefault(id);
            _counters[id] = (p + packets, b + bytes);
            return true;
        }
    }

    public IReadOnlyList<XfrmStateId> ListStates(KernelOwnership owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_lock)
        {
            var ids = new List<XfrmStateId>();
            foreach (var s in _states.Values)
            {
                if (owner.Owns(s.ReqId, s.Mark))
                {
                    ids.Add(s.Id);
                }
            }
            foreach (var (id, larval) in _larval)
            {
                if (owner.Owns(larval.ReqId, null))
                {
                    ids.Add(id);
                }
            }
            return ids;
        }
    }

    public IReadOnlyList<XfrmPolicyId> ListPolicies(KernelOwnership owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_lock)
        {
            var ids = new List<XfrmPolicyId>();
            foreach (var p in _policies.Values)
            {
                if (owner.Owns(p.ReqId, p.Mark))
                {
                    ids.Add(p.Id);
                }
            }
            return ids;
        }
    }

    public IDisposable Subscribe(Action<KernelEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _subscribers.Add(handler);
        }
        return new DisposeAction(() => Unsubscribe(handler));
    }

    /// <summary>Simulates the kernel's lifetime timer: sends an expire event, and on a hard expiry deletes the state first.</summary>
    public bool Expire(XfrmStateId id, bool hard)
    {
        ArgumentNullException.ThrowIfNull(id);
        Action<KernelEvent>[] handlers;
        StateExpired e;
        lock (_lock)
        {
            if (!_states.TryGetValue(id, out var state))
            {
                return false;
            }
            if (hard)
            {
                _states.Remove(id);
                _counters.Remove(id);
                Zero(state);
            }
            _trace?.Invoke($"expire {(hard ? "hard" : "soft")} state {id}");
            e = new StateExpired(id, state.ReqId, hard);
            handlers = [.. _subscribers];
        }
        foreach (var h in handlers)
        {
            h(e);
        }
        return true;
    }

    /// <summary>Simulates an acquire for a packet that hit the out policy <paramref name="policy"/>.</summary>
    public bool Acquire(XfrmPolicyId policy, IPAddress destination)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Action<KernelEvent>[] handlers;
        AcquireRequested e;
        lock (_lock)
        {
            if (!_policies.TryGetValue(policy, out var p) || p.Template is null)
            {
                return false;
            }
            _trace?.Invoke($"acquire {policy} dst {destination}");
            e = new AcquireRequested(policy, p.Template.TunnelSource, destination, p.Template.ReqId);
            handlers = [.. _subscribers];
        }
        foreach (var h in handlers)
        {
            h(e);
        }
        return true;
    }

    /// <summary>Zeroes the kept key copies and forgets everything.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var s in _states.Values)
            {
                Zero(s);
            }
            _states.Clear();
            _larval.Clear();
            _counters.Clear();
            _policies.Clear();
            _subscribers.Clear();
        }
    }

    private static string Describe(XfrmStateSpec state) =>
        $"{state} fp {KeymatFingerprint.Of([state.EncrKey, state.IntegKey])}";

    private static string? Validate(XfrmStateSpec s) => XfrmSpecValidation.Check(s);

    private static string? Validate(XfrmPolicySpec p) => XfrmSpecValidation.Check(p);

    private static XfrmStateSpec Copy(XfrmStateSpec s) => s with
    {
        EncrKey = SecretBytes.CopyFrom(s.EncrKey.Span),
        IntegKey = SecretBytes.CopyFrom(s.IntegKey.Span),
    };

    private static void Zero(XfrmStateSpec s)
    {
        s.EncrKey.Dispose();
        s.IntegKey.Dispose();
    }

    private KernelResult Trace(string operation, KernelResult result)
    {
        _trace?.Invoke(result.IsOk ? operation : $"{operation} -> {Outcome(result)}");
        return result;
    }

    private static string Outcome(KernelResult r) => r.Status switch
    {
        KernelStatus.AlreadyExists => "already exists",
        KernelStatus.NotFound => "not found",
        _ => string.Create(CultureInfo.InvariantCulture, $"failed, errno {r.Errno}"),
    };

    private void Unsubscribe(Action<KernelEvent> handler)
    {
        lock (_lock)
        {
            _subscribers.Remove(handler);
        }
    }
}
