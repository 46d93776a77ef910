using Mpsa.Ike.Wire;

namespace Mpsa.Netlink.Kernel;

/// <summary>The key the kernel finds a policy by (struct xfrm_userpolicy_id plus mark): selector, direction and mark.</summary>
internal sealed record XfrmPolicyId(XfrmSelector Selector, XfrmDirection Direction, XfrmMark? Mark = null)
{
    public override string ToString() =>
        $"{EnumText.LowerOf(Direction)} {Selector}" + (Mark is { } m ? $" mark {m}" : string.Empty);
}
