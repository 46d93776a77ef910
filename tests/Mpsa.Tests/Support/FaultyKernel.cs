using System.Net;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.Support;

/// <summary>
/// An <see cref="InMemoryKernel"/> that refuses the state additions a test chooses (as a real kernel refuses a state it
/// has no memory or algorithm for), and remembers when each state was added so that hard lifetimes can be checked.
/// </summary>
internal sealed class FaultyKernel : IKernel, IDisposable
{
    private readonly Dictionary<XfrmStateId, long> _addedAtMs = [];

    public FaultyKernel(Action<string>? trace = null) => Inner = new InMemoryKernel(trace);

    public InMemoryKernel Inner { get; }

    /// <summary>Return true to refuse this state (ENOMEM unless <see cref="RefusalErrno"/> says otherwise).</summary>
    public Func<XfrmStateSpec, bool> Refuse { get; set; } = _ => false;

    /// <summary>The errno of a refusal: 93 (EPROTONOSUPPORT) is a kernel without ESP.</summary>
    public int RefusalErrno { get; set; } = 12;

    /// <summary>Return true to answer a deletion "done" without doing it: a broken kernel or data plane that leaks states.</summary>
    public Func<XfrmStateId, bool> IgnoreDelete { get; set; } = _ => false;

    /// <summary>The clock of the test, in milliseconds, read at each addition.</summary>
    public Func<long> NowMs { get; set; } = () => 0;

    public int Refused { get; private set; }

    /// <summary>When the state was added (ms on <see cref="NowMs"/>).</summary>
    public long AddedAtMs(XfrmStateId id) => _addedAtMs[id];

    /// <summary>When the state was added (ms), with its hard lifetime: the kernel drops it at the sum.</summary>
    public long HardEndMs(XfrmStateSpec state) =>
        _addedAtMs[state.Id] + (long)state.HardLifetimeSeconds * 1000;

    public KernelResult[] AddStates(IReadOnlyList<XfrmStateSpec> states) => OneByOne.Each(states, AddState);

    public KernelResult[] UpdatePolicies(IReadOnlyList<XfrmPolicySpec> policies) => OneByOne.Each(policies, UpdatePolicy);

    public KernelResult AddState(XfrmStateSpec state)
    {
        if (Refuse(state))
        {
            Refused++;
            return KernelResult.Failed(RefusalErrno, $"add state {state.Id}", RefusalErrno == 12 ? "out of memory" : "refused");
        }
        var r = Inner.AddState(state);
        if (r.IsOk)
        {
            _addedAtMs[state.Id] = NowMs();
        }
        return r;
    }

    public KernelResult UpdateState(XfrmStateSpec state) => Inner.UpdateState(state);

    public KernelResult DeleteState(XfrmStateId id)
    {
        if (IgnoreDelete(id))
        {
            return KernelResult.Ok;
        }
        _addedAtMs.Remove(id);
        return Inner.DeleteState(id);
    }

    public KernelResult AddPolicy(XfrmPolicySpec policy) => Inner.AddPolicy(policy);

    public KernelResult UpdatePolicy(XfrmPolicySpec policy) => Inner.UpdatePolicy(policy);

    public KernelResult DeletePolicy(XfrmPolicyId id) => Inner.DeletePolicy(id);

    public KernelResult AllocateSpi(IPAddress? source, IPAddress destination, uint reqId, uint min, uint max, out EspSpi spi) =>
        Inner.AllocateSpi(source, destination, reqId, min, max, out spi);

    public IReadOnlyList<XfrmStateId> ListStates(KernelOwnership owner) => Inner.ListStates(owner);

    public IReadOnlyList<XfrmPolicyId> ListPolicies(KernelOwnership owner) => Inner.ListPolicies(owner);

    public IDisposable Subscribe(Action<KernelEvent> handler) => Inner.Subscribe(handler);

    public void Dispose() => Inner.Dispose();
}
