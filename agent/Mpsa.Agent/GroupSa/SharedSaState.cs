namespace Mpsa.Agent.GroupSa;

/// <summary>Where a group SA stands in the rollover (draft-mpsa §3.3.3, GDOI-like).</summary>
internal enum SharedSaState
{
    /// <summary>Inbound installed; outbound waits for ROLL1.</summary>
    Pending,

    /// <summary>Inbound and outbound installed: the SA this member sends with.</summary>
    Active,

    /// <summary>Replaced: outbound gone (or never installed), inbound kept until the successor's ROLL2.</summary>
    Draining,
}
