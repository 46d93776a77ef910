using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_mark (8 bytes): XFRMA_MARK value and mask.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_mark
{
    public uint v;
    public uint m;
}
