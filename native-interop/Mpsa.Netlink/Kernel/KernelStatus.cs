namespace Mpsa.Netlink.Kernel;

/// <summary>How a kernel request ended; <c>-EEXIST</c> and <c>-ESRCH</c>/<c>-ENOENT</c> have their own outcomes (strongSwan does the same).</summary>
internal enum KernelStatus
{
    Ok,
    AlreadyExists,
    NotFound,
    Failed,
}
