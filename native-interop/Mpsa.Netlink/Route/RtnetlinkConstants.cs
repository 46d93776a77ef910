namespace Mpsa.Netlink.Route;

/// <summary>The rtnetlink numbers the route reader uses (linux/rtnetlink.h).</summary>
internal static class RtnetlinkConstants
{
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_NEWROUTE = 24;
    public const ushort RTM_DELROUTE = 25;
    public const ushort RTM_GETROUTE = 26;

    public const ushort RTA_DST = 1;
    public const ushort RTA_OIF = 4;
    public const ushort RTA_GATEWAY = 5;
    public const ushort RTA_PRIORITY = 6;
    public const ushort RTA_MULTIPATH = 9;
    public const ushort RTA_TABLE = 15;
    public const ushort RTA_VIA = 18;

    public const int RTNLGRP_IPV4_IFADDR = 5;
    public const int RTNLGRP_IPV4_ROUTE = 7;
    public const int RTNLGRP_IPV6_IFADDR = 9;
    public const int RTNLGRP_IPV6_ROUTE = 11;

    public const uint RT_TABLE_MAIN = 254;

    public const byte RTN_UNICAST = 1;
}
