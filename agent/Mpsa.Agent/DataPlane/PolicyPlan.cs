using System.Net;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Agent.DataPlane;

/// <summary>
/// The policies of the shared SA (issue 4; docs/ARCHITECTURE.md §7, the data plane and the XFRM facts behind it).
/// Tunnel mode — out: local subnets → peer subnets via the peer; in and fwd: any → local subnets from any member.
/// Transport mode — the configured protocols between underlay addresses; with ACQUIRE a trap policy towards any
/// address of the underlay family lets the kernel ask for unknown peers.
/// </summary>
internal static class PolicyPlan
{
    /// <summary>Per-peer policies win over the trap policy (lower priority value wins).</summary>
    public const uint PeerPriority = 1000;
    public const uint BasePriority = 2000;
    public const uint TrapPriority = 3000;

    public static IEnumerable<XfrmPolicySpec> Base(DataPlaneSettings s, IPAddress underlay)
    {
        if (s.Mode == XfrmMode.Tunnel)
        {
            foreach (var local in s.Subnets)
            {
                var selector = new XfrmSelector(IpPrefix.Any(local.Family), local);
                var template = new XfrmTemplate(null, underlay, s.ReqId, XfrmMode.Tunnel);
                yield return new XfrmPolicySpec(selector, XfrmDirection.In, template, BasePriority, s.Mark);
                yield return new XfrmPolicySpec(selector, XfrmDirection.Fwd, template, BasePriority, s.Mark);
            }
            yield break;
        }
        foreach (var protocol in s.Protocols)
        {
            var template = new XfrmTemplate(null, null, s.ReqId, XfrmMode.Transport);
            yield return new XfrmPolicySpec(new XfrmSelector(IpPrefix.Any(underlay.AddressFamily), IpPrefix.Host(underlay), protocol),
                XfrmDirection.In, template, BasePriority, s.Mark);
            if (s.Acquire)
            {
                yield return new XfrmPolicySpec(new XfrmSelector(IpPrefix.Host(underlay), IpPrefix.Any(underlay.AddressFamily), protocol),
                    XfrmDirection.Out, template, TrapPriority, s.Mark);
            }
        }
    }

    public static IEnumerable<XfrmPolicySpec> ForPeer(DataPlaneSettings s, IPAddress underlay, IPAddress peer, IReadOnlyList<IpPrefix> peerSubnets)
    {
        if (s.Mode == XfrmMode.Tunnel)
        {
            var template = new XfrmTemplate(underlay, peer, s.ReqId, XfrmMode.Tunnel);
            foreach (var local in s.Subnets)
            {
                foreach (var remote in peerSubnets)
                {
                    if (remote.Family == local.Family)
                    {
                        yield return new XfrmPolicySpec(new XfrmSelector(local, remote), XfrmDirection.Out, template, PeerPriority, s.Mark);
                    }
                }
            }
            yield break;
        }
        foreach (var protocol in s.Protocols)
        {
            yield return new XfrmPolicySpec(new XfrmSelector(IpPrefix.Host(underlay), IpPrefix.Host(peer), protocol), XfrmDirection.Out,
                new XfrmTemplate(null, null, s.ReqId, XfrmMode.Transport), PeerPriority, s.Mark);
        }
    }
}
