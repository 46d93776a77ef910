using System.Net;
using Mpsa.Ike.Wire;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// The agent's whole view of the kernel's IPsec database (XFRM). Two implementations: netlink (Mpsa.Netlink) and
/// <see cref="InMemoryKernel"/> for tests and <c>--dry-run</c>. Calls are synchronous and never throw for a kernel
/// refusal: they return a <see cref="KernelResult"/>. Nothing here logs or returns key material.
/// </summary>
internal interface IKernel
{
    /// <summary>Adds an ESP state (XFRM_MSG_NEWSA); AlreadyExists when (destination, SPI, protocol) is taken.</summary>
    KernelResult AddState(XfrmStateSpec state);

    /// <summary>
    /// <see cref="AddState"/> for each state, in order, each whatever became of the ones before it: one result per state.
    /// The netlink kernel sends them in one request.
    /// </summary>
    KernelResult[] AddStates(IReadOnlyList<XfrmStateSpec> states);

    /// <summary>Replaces an existing state's parameters, e.g. its lifetime (XFRM_MSG_UPDSA); NotFound when absent.</summary>
    KernelResult UpdateState(XfrmStateSpec state);

    /// <summary>Deletes a state (XFRM_MSG_DELSA); NotFound when absent.</summary>
    KernelResult DeleteState(XfrmStateId id);

    /// <summary>
    /// The packets and bytes a state has processed (xfrm_usersa_info.curlft from XFRM_MSG_GETSA); NotFound when absent.
    /// Implementations that cannot count answer Failed with EOPNOTSUPP (the default).
    /// </summary>
    KernelResult GetStateCounters(XfrmStateId id, out ulong packets, out ulong bytes)
    {
        packets = 0;
        bytes = 0;
        return KernelResult.Failed(95, $"get state {id}", "counters not supported");
    }

    /// <summary>Adds a policy (XFRM_MSG_NEWPOLICY); AlreadyExists when (selector, direction, mark) is taken.</summary>
    KernelResult AddPolicy(XfrmPolicySpec policy);

    /// <summary>Adds or replaces a policy (XFRM_MSG_UPDPOLICY, which the kernel also accepts for a new one).</summary>
    KernelResult UpdatePolicy(XfrmPolicySpec policy);

    /// <summary><see cref="UpdatePolicy"/> for each policy, as <see cref="AddStates"/> does: one result per policy.</summary>
    KernelResult[] UpdatePolicies(IReadOnlyList<XfrmPolicySpec> policies);

    /// <summary>Deletes a policy (XFRM_MSG_DELPOLICY); NotFound when absent.</summary>
    KernelResult DeletePolicy(XfrmPolicyId id);

    /// <summary>Reserves an unused SPI in [min, max] for a state to <paramref name="destination"/> (XFRM_MSG_ALLOCSPI); complete it with <see cref="UpdateState"/>.</summary>
    KernelResult AllocateSpi(IPAddress? source, IPAddress destination, uint reqId, uint min, uint max, out EspSpi spi);

    /// <summary>The states the owner holds (dump of XFRM_MSG_GETSA filtered by reqid and mark), for cleanup.</summary>
    IReadOnlyList<XfrmStateId> ListStates(KernelOwnership owner);

    /// <summary>The policies the owner holds (dump of XFRM_MSG_GETPOLICY filtered by template reqid and mark), for cleanup.</summary>
    IReadOnlyList<XfrmPolicyId> ListPolicies(KernelOwnership owner);

    /// <summary>Delivers expire and acquire events to <paramref name="handler"/> until the returned handle is disposed; it may run on another thread.</summary>
    IDisposable Subscribe(Action<KernelEvent> handler);
}
