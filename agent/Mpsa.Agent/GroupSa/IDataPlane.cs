using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent.GroupSa;

/// <summary>
/// Carries out the rollover steps of <see cref="GroupSaManager"/> (docs/ARCHITECTURE.md, the data path of one
/// MPSA_PUT). Implementations log failures and never throw for a kernel refusal. Every state they add carries the
/// SA's LIFE as the kernel's hard lifetime (<see cref="SharedSa.HardEndsAt"/>), counted from <c>now</c>.
/// </summary>
internal interface IDataPlane
{
    /// <summary>Installs the SA's inbound state; false when the kernel refused it (nothing is left behind).</summary>
    bool InstallInbound(SharedSa sa, MonoTime now);

    /// <summary>Installs the SA's outbound state(s): from now on this member sends with it. All or nothing: false
    /// when the kernel refused one (those already added are taken out again).</summary>
    bool ActivateOutbound(SharedSa sa, MonoTime now);

    /// <summary>Removes the SA's outbound state(s).</summary>
    void RetireOutbound(SharedSa sa);

    /// <summary>Removes the SA's inbound state.</summary>
    void RemoveInbound(SharedSa sa);
}
