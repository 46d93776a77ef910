namespace Mpsa.Netlink.Core;

/// <summary>The control message types every netlink family shares (linux/netlink.h); family types start at 16.</summary>
internal static class NlmsgType
{
    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;

    /// <summary>struct nlmsgerr's extended-ack TLV carrying a message string (NLMSGERR_ATTR_MSG).</summary>
    public const ushort NLMSGERR_ATTR_MSG = 1;
}
