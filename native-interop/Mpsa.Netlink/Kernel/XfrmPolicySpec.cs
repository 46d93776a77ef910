using System.Globalization;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// One policy as XFRM_MSG_NEWPOLICY/UPDPOLICY carries it (struct xfrm_userpolicy_info plus one template and mark).
/// A null <see cref="Template"/> is a plain allow (bypass) policy.
/// </summary>
/// <param name="Selector">Which packets it covers.</param>
/// <param name="Direction">in, out or fwd.</param>
/// <param name="Template">The ESP state it requires, or null for bypass.</param>
/// <param name="Priority">Lower values win (the kernel's order).</param>
/// <param name="Mark">Optional XFRMA_MARK.</param>
internal sealed record XfrmPolicySpec(XfrmSelector Selector, XfrmDirection Direction, XfrmTemplate? Template, uint Priority, XfrmMark? Mark = null)
{
    /// <summary>The kernel's key for this policy.</summary>
    public XfrmPolicyId Id => new(Selector, Direction, Mark);

    /// <summary>The reqid of the template, or 0 without one.</summary>
    public uint ReqId => Template?.ReqId ?? 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Id} priority {Priority} ")
        + (Template is null ? "allow" : Template.ToString());
}
