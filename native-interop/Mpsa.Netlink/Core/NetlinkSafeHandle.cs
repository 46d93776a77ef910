using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Mpsa.Netlink.Core;

/// <summary>Owns one netlink socket file descriptor; <see cref="ReleaseHandle"/> closes it.</summary>
internal sealed class NetlinkSafeHandle : SafeHandle
{
    public NetlinkSafeHandle()
        : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    public NetlinkSafeHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    protected override bool ReleaseHandle() => LibC.close(handle.ToInt32()) == 0;
}
