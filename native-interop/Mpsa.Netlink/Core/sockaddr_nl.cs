using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Core;

/// <summary>struct sockaddr_nl (linux/netlink.h), 12 bytes: the address a netlink socket binds to.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct sockaddr_nl
{
    public ushort nl_family;
    public ushort nl_pad;
    /// <summary>Port id; 0 lets the kernel assign one.</summary>
    public uint nl_pid;
    /// <summary>Multicast group bit mask (group n is bit n-1).</summary>
    public uint nl_groups;
}
