namespace Mpsa.Netlink.Kernel;

/// <summary>The outcome of one kernel request; <see cref="Message"/> names the operation (never key material).</summary>
internal readonly record struct KernelResult(KernelStatus Status, int Errno, string Message)
{
    private const int EEXIST = 17;
    private const int ESRCH = 3;

    public static KernelResult Ok { get; } = new(KernelStatus.Ok, 0, "ok");

    public bool IsOk => Status == KernelStatus.Ok;

    /// <summary>The object is there already (netlink <c>-EEXIST</c>).</summary>
    public static KernelResult AlreadyExists(string operation) => new(KernelStatus.AlreadyExists, EEXIST, $"{operation}: already exists");

    /// <summary>No such object (netlink <c>-ESRCH</c> or <c>-ENOENT</c>).</summary>
    public static KernelResult NotFound(string operation) => new(KernelStatus.NotFound, ESRCH, $"{operation}: not found");

    /// <summary>Any other error: the positive errno and what was attempted.</summary>
    public static KernelResult Failed(int errno, string operation, string detail) =>
        new(KernelStatus.Failed, errno, $"{operation}: {detail} (errno {errno})");

    public override string ToString() => Message;
}
