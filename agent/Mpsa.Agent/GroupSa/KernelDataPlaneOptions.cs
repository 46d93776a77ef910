using Mpsa.Netlink.Kernel;

namespace Mpsa.Agent.GroupSa;

/// <summary>How <see cref="KernelDataPlane"/> shapes the group SA's states.</summary>
internal sealed record KernelDataPlaneOptions
{
    /// <summary>"MPSA" in ASCII: the reqid of everything the agent installs, so its states are recognisable.</summary>
    public const uint DefaultReqId = 0x4d505341;

    public static KernelDataPlaneOptions Default { get; } = new();

    /// <summary>The reqid on every state (and, later, every policy template) of the agent.</summary>
    public uint ReqId { get; init; } = DefaultReqId;

    /// <summary>Optional mark on every state.</summary>
    public XfrmMark? Mark { get; init; }

    public XfrmMode Mode { get; init; } = XfrmMode.Tunnel;

    /// <summary>Added to the planned end for the kernel's hard lifetime: the kernel deletes a state itself only if the agent did not.</summary>
    public TimeSpan HardLifetimeGrace { get; init; } = TimeSpan.FromSeconds(60);
}
