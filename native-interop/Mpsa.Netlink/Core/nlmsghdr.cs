#pragma warning disable CS8981 // the kernel's own name
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Core;

/// <summary>struct nlmsghdr (linux/netlink.h), 16 bytes, host byte order; <c>nlmsg_len</c> includes the header.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct nlmsghdr
{
    public const int Size = 16;

    public uint nlmsg_len;
    public ushort nlmsg_type;
    public ushort nlmsg_flags;
    public uint nlmsg_seq;
    public uint nlmsg_pid;
}
