#pragma warning disable CS8981 // the kernel's own name
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Route;

/// <summary>struct rtmsg (linux/rtnetlink.h, 12 bytes): the fixed part of RTM_NEWROUTE/DELROUTE/GETROUTE.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct rtmsg
{
    public byte rtm_family;
    public byte rtm_dst_len;
    public byte rtm_src_len;
    public byte rtm_tos;
    /// <summary>The table id when below 256; RTA_TABLE carries the full u32.</summary>
    public byte rtm_table;
    public byte rtm_protocol;
    public byte rtm_scope;
    public byte rtm_type;
    public uint rtm_flags;
}
