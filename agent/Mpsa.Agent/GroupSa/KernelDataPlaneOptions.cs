using Mpsa.Ike.Exchanges;
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

    /// <summary>The time when a peer appears outside any step of the manager (routes, ACQUIRE): its outbound states get
    /// what is left of each SA's LIFE.</summary>
    public Func<MonoTime> Clock { get; init; } = () => new MonoTime(Environment.TickCount64);
}
