using System.Globalization;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// What the agent owns in the kernel: states and policies whose reqid lies in [<see cref="ReqIdMin"/>, <see cref="ReqIdMax"/>]
/// and, when <see cref="Mark"/> is set, that carry exactly that mark. Used to find leftovers after a crash.
/// </summary>
internal sealed record KernelOwnership(uint ReqIdMin, uint ReqIdMax, XfrmMark? Mark = null)
{
    /// <summary>One reqid.</summary>
    public static KernelOwnership Of(uint reqId, XfrmMark? mark = null) => new(reqId, reqId, mark);

    public bool Owns(uint reqId, XfrmMark? mark) =>
        reqId >= ReqIdMin && reqId <= ReqIdMax && (Mark is null || Mark == mark);

    public override string ToString() => (ReqIdMin == ReqIdMax
            ? string.Create(CultureInfo.InvariantCulture, $"reqid 0x{ReqIdMin:x}")
            : string.Create(CultureInfo.InvariantCulture, $"reqid 0x{ReqIdMin:x}-0x{ReqIdMax:x}"))
        + (Mark is { } m ? $" mark {m}" : string.Empty);
}
