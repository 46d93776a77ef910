using System.Net;
using System.Net.Sockets;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.ChildSas;

/// <summary>
/// What a CHILD_SA negotiated in IKE_AUTH becomes in the kernel: one inbound and one outbound ESP state between the
/// IKE endpoints, and the policies that send traffic through them. Transport mode covers all traffic between the two
/// endpoint addresses (RFC 7296 §1.3.1: its selectors are the endpoints; behind a NAT the peer's translated address);
/// tunnel mode covers the negotiated selectors that are prefixes. The states borrow the CHILD_SA's keys.
/// </summary>
internal static class ChildSaPlan
{
    /// <summary>Wins over the group SA's policies (1000–3000) for the same addresses.</summary>
    public const uint Priority = 500;

    /// <summary>The IPv6 Neighbor Discovery bypass wins over the CHILD_SA's own policies.</summary>
    public const uint NeighborDiscoveryPriority = 400;

    /// <summary>ICMPv6 Neighbor Solicitation and Advertisement (RFC 4861).</summary>
    private static readonly ushort[] NeighborDiscovery = [135, 136];

    public static (IReadOnlyList<XfrmStateSpec> States, IReadOnlyList<XfrmPolicySpec> Policies) Build(
        ChildSa child, IPEndPoint local, IPEndPoint peer, uint reqId, ulong hardLifetimeSeconds = 0, ulong softLifetimeSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(peer);
        var mode = child.TransportMode ? XfrmMode.Transport : XfrmMode.Tunnel;
        // ESP in UDP leaves from the NAT-T port towards the port the peer's NAT showed us (RFC 3948).
        var outEncap = child.UdpEncapsulation ? new XfrmEncap((ushort)local.Port, (ushort)peer.Port) : null;
        var inEncap = child.UdpEncapsulation ? new XfrmEncap((ushort)peer.Port, (ushort)local.Port) : null;
        var states = new[]
        {
            new XfrmStateSpec(peer.Address, local.Address, new EspSpi(child.InboundSpi), mode, child.Suite, child.Inbound.EncrKey,
                child.Inbound.IntegKey, ReplayWindow: 64, reqId, Mark: null, hardLifetimeSeconds, XfrmDirection.In, softLifetimeSeconds, inEncap),
            new XfrmStateSpec(local.Address, peer.Address, new EspSpi(child.OutboundSpi), mode, child.Suite, child.Outbound.EncrKey,
                child.Outbound.IntegKey, ReplayWindow: 0, reqId, Mark: null, hardLifetimeSeconds, XfrmDirection.Out, softLifetimeSeconds, outEncap),
        };
        var policies = new List<XfrmPolicySpec>();
        if (mode == XfrmMode.Transport)
        {
            var template = new XfrmTemplate(null, null, reqId, XfrmMode.Transport);
            policies.Add(new XfrmPolicySpec(new XfrmSelector(IpPrefix.Host(local.Address), IpPrefix.Host(peer.Address)), XfrmDirection.Out, template, Priority));
            policies.Add(new XfrmPolicySpec(new XfrmSelector(IpPrefix.Host(peer.Address), IpPrefix.Host(local.Address)), XfrmDirection.In, template, Priority));
            if (local.AddressFamily == AddressFamily.InterNetworkV6)
            {
                AddNeighborDiscoveryBypass(policies, local.Address, peer.Address);
            }
            return (states, policies);
        }
        var outbound = new XfrmTemplate(local.Address, peer.Address, reqId, XfrmMode.Tunnel);
        var inbound = new XfrmTemplate(peer.Address, local.Address, reqId, XfrmMode.Tunnel);
        var remote = SelectorParts(child.RemoteSelectors);
        foreach (var l in SelectorParts(child.LocalSelectors))
        {
            foreach (var r in remote)
            {
                if (r.Item1.Family != l.Item1.Family)
                {
                    continue;
                }
                var protocol = l.Item2 != ProtocolType.Unspecified ? l.Item2 : r.Item2;
                policies.Add(new XfrmPolicySpec(new XfrmSelector(l.Item1, r.Item1, protocol, l.Item3, r.Item3), XfrmDirection.Out, outbound, Priority));
                var back = new XfrmSelector(r.Item1, l.Item1, protocol, r.Item3, l.Item3);
                policies.Add(new XfrmPolicySpec(back, XfrmDirection.In, inbound, Priority));
                policies.Add(new XfrmPolicySpec(back, XfrmDirection.Fwd, inbound, Priority));
            }
        }
        return (states, policies);
    }

    /// <summary>
    /// Neighbor Discovery between the two endpoints stays in clear. A host-to-host policy would otherwise send a Neighbor
    /// Advertisement through ESP (and demand ESP for one arriving), so after an address change neither side could resolve
    /// the other's new address. In a selector for ICMP the source port holds the message type.
    /// </summary>
    private static void AddNeighborDiscoveryBypass(List<XfrmPolicySpec> policies, IPAddress local, IPAddress peer)
    {
        foreach (ushort type in NeighborDiscovery)
        {
            policies.Add(new XfrmPolicySpec(new XfrmSelector(IpPrefix.Host(local), IpPrefix.Host(peer), ProtocolType.IcmpV6, type),
                XfrmDirection.Out, null, NeighborDiscoveryPriority));
            policies.Add(new XfrmPolicySpec(new XfrmSelector(IpPrefix.Host(peer), IpPrefix.Host(local), ProtocolType.IcmpV6, type),
                XfrmDirection.In, null, NeighborDiscoveryPriority));
        }
    }

    /// <summary>The selectors that are XFRM selector halves, in order (the others are skipped).</summary>
    private static List<(IpPrefix, ProtocolType, ushort)> SelectorParts(IReadOnlyList<TrafficSelector> selectors)
    {
        var parts = new List<(IpPrefix, ProtocolType, ushort)>();
        foreach (var ts in selectors)
        {
            if (ToSelectorPart(ts) is { } part)
            {
                parts.Add(part);
            }
        }
        return parts;
    }

    /// <summary>A traffic selector as an XFRM selector half (prefix, protocol, one port or all); null when it is no prefix.</summary>
    private static (IpPrefix, ProtocolType, ushort)? ToSelectorPart(TrafficSelector ts)
    {
        if (!TryPrefix(ts.StartAddress, ts.EndAddress, out var prefix))
        {
            return null;
        }
        ushort port = ts.StartPort == ts.EndPort ? ts.StartPort : (ushort)0;
        if (ts.StartPort != ts.EndPort && (ts.StartPort != 0 || ts.EndPort != ushort.MaxValue))
        {
            return null;
        }
        return (prefix, (ProtocolType)ts.IpProtocol, port);
    }

    /// <summary>The prefix that is exactly [start, end], if there is one.</summary>
    public static bool TryPrefix(IPAddress start, IPAddress end, out IpPrefix prefix)
    {
        prefix = null!;
        if (start.AddressFamily != end.AddressFamily || start.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }
        var a = start.GetAddressBytes();
        var b = end.GetAddressBytes();
        int bits = a.Length * 8;
        int length = 0;
        while (length < bits && Bit(a, length) == Bit(b, length))
        {
            length++;
        }
        for (int i = length; i < bits; i++)
        {
            if (Bit(a, i) != 0 || Bit(b, i) != 1)
            {
                return false;
            }
        }
        prefix = new IpPrefix(start, length);
        return true;
    }

    private static int Bit(byte[] bytes, int index) => (bytes[index / 8] >> (7 - index % 8)) & 1;
}
