using System.Globalization;

namespace Mpsa.Netlink.Kernel;

/// <summary>XFRMA_MARK (struct xfrm_mark): a state or policy applies to packets whose mark &amp; Mask == Value.</summary>
internal readonly record struct XfrmMark(uint Value, uint Mask = uint.MaxValue)
{
    public bool Matches(uint mark) => (mark & Mask) == Value;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"0x{Value:x}/0x{Mask:x}");
}
