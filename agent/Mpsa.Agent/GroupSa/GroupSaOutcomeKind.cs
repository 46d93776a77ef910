namespace Mpsa.Agent.GroupSa;

/// <summary>What <see cref="GroupSaManager.Receive"/> did with an MPSA_PUT.</summary>
internal enum GroupSaOutcomeKind
{
    /// <summary>A new SA: inbound installed (and outbound too when nothing was installed).</summary>
    Accepted,

    /// <summary>The same SPI with the same keys again: its lifetime was refreshed, nothing re-installed.</summary>
    Refreshed,

    /// <summary>Not installed; what was installed is kept. <see cref="GroupSaOutcome.Reason"/> says why.</summary>
    Rejected,
}
