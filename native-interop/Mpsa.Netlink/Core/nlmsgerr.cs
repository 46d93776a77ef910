#pragma warning disable CS8981 // the kernel's own name
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Core;

/// <summary>struct nlmsgerr (linux/netlink.h): the payload of NLMSG_ERROR, a negative errno (0 = ACK) and the request's header.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct nlmsgerr
{
    public const int Size = 20;

    public int error;
    public nlmsghdr msg;
}
