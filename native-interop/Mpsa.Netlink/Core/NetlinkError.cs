using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Core;

/// <summary>
/// A refused netlink request: what was attempted, the positive errno (from NLMSG_ERROR's negative <c>error</c>, or from a
/// failed socket call), and the kernel's extended-ack text when it sent one ("unable to initialize cryptographic ...").
/// </summary>
internal readonly record struct NetlinkError(string Operation, int Errno, string? ExtAck = null)
{
    public string ErrnoName => Core.Errno.Name(Errno);

    /// <summary>-EEXIST becomes AlreadyExists, -ESRCH and -ENOENT NotFound, anything else Failed with the errno's name.</summary>
    public KernelResult ToKernelResult() => Errno switch
    {
        Core.Errno.EEXIST => KernelResult.AlreadyExists(Operation),
        Core.Errno.ESRCH or Core.Errno.ENOENT => KernelResult.NotFound(Operation),
        _ => KernelResult.Failed(Errno, Operation, ExtAck is null ? ErrnoName : $"{ErrnoName}: {ExtAck}"),
    };

    public override string ToString() => ExtAck is null ? $"{Operation}: {ErrnoName}" : $"{Operation}: {ErrnoName}: {ExtAck}";
}
