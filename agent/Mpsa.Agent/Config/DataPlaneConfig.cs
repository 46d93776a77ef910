using System.Globalization;
using System.Net.Sockets;
using Mpsa.Agent.DataPlane;
using Mpsa.Hosting;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Agent.Config;

/// <summary>The [dataplane] section and the [peer NAME] sections of the agent's file.</summary>
internal static class DataPlaneConfig
{
    private static readonly ValueParser<IpPrefix> Prefix = new("a subnet (address/length, e.g. 10.1.1.0/24 or fd00:1:1::/64)",
        static (string text, out IpPrefix value, out string? problem) =>
        {
            if (IpPrefix.TryParse(text, out var prefix, out var why))
            {
                (value, problem) = (prefix, null);
                return true;
            }
            (value, problem) = (null!, $"'{text}' is not a subnet: {why}");
            return false;
        });

    private static readonly ValueParser<IpPrefix> Ipv6Slash96 = new("an IPv6 /96 (e.g. 64:ff9b::/96)",
        static (string text, out IpPrefix value, out string? problem) =>
        {
            if (!Prefix.TryParse(text, out var parsed, out string why))
            {
                (value, problem) = (null!, why);
                return false;
            }
            (value, problem) = (parsed, parsed.Family == AddressFamily.InterNetworkV6 && parsed.Length == 96
                ? null : $"'{text}' is not an IPv6 /96: the IPv4 peer fills its last 32 bits");
            return problem is null;
        });

    private static readonly ValueParser<ProtocolType> Protocol = new("a protocol (any, tcp, udp, gre, ipip, icmp or a number 1-255)",
        static (string text, out ProtocolType value, out string? problem) =>
        {
            problem = null;
            (bool ok, value) = text switch
            {
                "any" => (true, ProtocolType.Unspecified),
                "tcp" => (true, ProtocolType.Tcp),
                "udp" => (true, ProtocolType.Udp),
                "gre" => (true, (ProtocolType)47),
                "ipip" => (true, ProtocolType.IPv4),
                "icmp" => (true, ProtocolType.Icmp),
                _ when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and < 256 => (true, (ProtocolType)n),
                _ => (false, default),
            };
            return ok;
        });

    private static readonly ValueParser<uint> ReqId = new("a reqid (a number, 0x hex allowed, not 0)",
        static (string text, out uint value, out string? problem) =>
        {
            problem = null;
            bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
            return ok && value != 0;
        });

    public static DataPlaneSettings Read(ConfigReader config)
    {
        var d = config.Section("dataplane");
        var mode = d.OneOf("mode", ["tunnel", "transport"], "tunnel") == "transport" ? XfrmMode.Transport : XfrmMode.Tunnel;
        var underlay = d.Address("underlay", null);
        var subnets = d.Optional("subnets", ConfigValues.List(Prefix), []);
        var protocols = d.Optional("protocols", ConfigValues.List(Protocol), [ProtocolType.Unspecified]);
        int? table = d.Has("route_table") ? d.Int("route_table", 1, int.MaxValue) : null;
        var peerNetworks = d.Optional("peer_networks", ConfigValues.List(Prefix), []);
        var ipv4InIpv6 = d.Optional("ipv4_in_ipv6_next_hops", Ipv6Slash96, null);
        bool acquire = d.Bool("acquire", mode == XfrmMode.Transport);
        uint reqid = d.Optional("reqid", ReqId, DataPlaneSettings.Default.ReqId);
        if (mode == XfrmMode.Transport && d.Has("subnets"))
        {
            d.Report("subnets", "transport mode protects traffic between underlay addresses; subnets belong to tunnel mode");
        }
        if (mode == XfrmMode.Tunnel && acquire)
        {
            d.Report("acquire", "learning peers from ACQUIRE works in transport mode only");
        }
        var sections = config.Sections("peer");
        var peers = new List<PeerSettings>(sections.Count);
        foreach (var p in sections)
        {
            peers.Add(new PeerSettings(p.Name!, p.Address("address") ?? System.Net.IPAddress.None, p.Optional("subnets", ConfigValues.List(Prefix), [])));
        }
        for (int i = 0; i < peers.Count; i++)
        {
            if (mode == XfrmMode.Tunnel && peers[i].Subnets.Count == 0)
            {
                sections[i].Report("subnets", "a tunnel-mode peer needs the subnets behind it");
            }
        }
        return new DataPlaneSettings(mode, underlay, subnets, protocols, table, acquire, peers, reqid, null)
        {
            PeerNetworks = peerNetworks!,
            Ipv4InIpv6NextHops = ipv4InIpv6,
        };
    }
}
