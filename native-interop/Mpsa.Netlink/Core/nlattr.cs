#pragma warning disable CS8981 // the kernel's own name
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Core;

/// <summary>struct nlattr / struct rtattr (4 bytes): <c>nla_len</c> counts header and value, not the padding to 4.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct nlattr
{
    public const int Size = 4;

    public ushort nla_len;
    public ushort nla_type;
}
