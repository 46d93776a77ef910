using System.Net;
using Mpsa.Netlink.Kernel;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Agent;

/// <summary>Passes everything to an inner kernel, except what it is told to refuse with ENOMEM.</summary>
internal sealed class RefusingKernel(IKernel inner) : IKernel
{
    public bool RefuseAdd { get; set; }

    public KernelResult AddState(XfrmStateSpec state) =>
        RefuseAdd ? KernelResult.Failed(12, $"add state {state.Id}", "out of memory") : inner.AddState(state);

    public KernelResult UpdateState(XfrmStateSpec state) => inner.UpdateState(state);

    public KernelResult DeleteState(XfrmStateId id) => inner.DeleteState(id);

    public KernelResult AddPolicy(XfrmPolicySpec policy) => inner.AddPolicy(policy);

    public KernelResult UpdatePolicy(XfrmPolicySpec policy) => inner.UpdatePolicy(policy);

    public KernelResult DeletePolicy(XfrmPolicyId id) => inner.DeletePolicy(id);

    public KernelResult AllocateSpi(IPAddress? source, IPAddress destination, uint reqId, uint min, uint max, out EspSpi spi) =>
        inner.AllocateSpi(source, destination, reqId, min, max, out spi);

    public IReadOnlyList<XfrmStateId> ListStates(KernelOwnership owner) => inner.ListStates(owner);

    public IReadOnlyList<XfrmPolicyId> ListPolicies(KernelOwnership owner) => inner.ListPolicies(owner);

    public IDisposable Subscribe(Action<KernelEvent> handler) => inner.Subscribe(handler);
}
