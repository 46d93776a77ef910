namespace Mpsa.Agent.GroupSa;

/// <summary>
/// Carries out the rollover steps of <see cref="GroupSaManager"/> (DESIGN.md "Data path of one MPSA_PUT").
/// Implementations log failures and never throw for a kernel refusal.
/// </summary>
internal interface IDataPlane
{
    /// <summary>Installs the SA's inbound state; false when the kernel refused it (the manager then rejects the SA).</summary>
    bool InstallInbound(SharedSa sa);

    /// <summary>Installs the SA's outbound state(s): from now on this member sends with it.</summary>
    void ActivateOutbound(SharedSa sa);

    /// <summary>Removes the SA's outbound state(s).</summary>
    void RetireOutbound(SharedSa sa);

    /// <summary>Removes the SA's inbound state.</summary>
    void RemoveInbound(SharedSa sa);

    /// <summary>The SA's <see cref="SharedSa.SafetyNetEnd"/> moved later: re-arm the kernel's hard lifetime of its installed states.</summary>
    void UpdateLifetime(SharedSa sa);
}
