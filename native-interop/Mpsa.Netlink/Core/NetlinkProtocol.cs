namespace Mpsa.Netlink.Core;

/// <summary>The netlink families we open (linux/netlink.h NETLINK_*).</summary>
internal enum NetlinkProtocol
{
    NETLINK_ROUTE = 0,
    NETLINK_XFRM = 6,
}
