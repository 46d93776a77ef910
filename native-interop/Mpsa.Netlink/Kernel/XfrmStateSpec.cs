using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// One ESP state as XFRM_MSG_NEWSA/UPDSA carries it (struct xfrm_usersa_info plus algorithm, mark and lifetime
/// attributes). The keys are borrowed: the kernel copies them during the call and the caller still owns and disposes
/// them. <see cref="ToString"/> never shows key bytes.
/// </summary>
/// <param name="Source">Outer source address; null for "any" (an inbound group state receives from every member).</param>
/// <param name="Destination">Outer destination address: with <see cref="Spi"/> it identifies the state.</param>
/// <param name="Mode">Tunnel or transport.</param>
/// <param name="Suite">ESP algorithms; <see cref="XfrmAlgorithms"/> gives the kernel's names.</param>
/// <param name="EncrKey">Encryption key (AEAD: with the 4-byte salt at the end).</param>
/// <param name="IntegKey">Integrity key; empty for AEAD.</param>
/// <param name="ReplayWindow">Replay window in packets; 0 for group SAs (many senders share one sequence space).</param>
/// <param name="ReqId">Ties states to policies' templates; also marks what the agent owns.</param>
/// <param name="Mark">Optional XFRMA_MARK.</param>
/// <param name="HardLifetimeSeconds">Hard add-expire time, counted from when the state was added; 0 = none. A safety net: the agent removes states itself.</param>
/// <param name="Direction">Optional XFRMA_SA_DIR (Linux 6.10 and later; <see cref="XfrmDirection.Fwd"/> is invalid). Informational on older kernels.</param>
/// <param name="SoftLifetimeSeconds">Soft add-expire time (XFRM_MSG_EXPIRE with hard = 0), counted from when the state was added; 0 = none.</param>
/// <param name="Encap">ESP in UDP (XFRMA_ENCAP) when a NAT lies between the two ends; null for plain ESP.</param>
internal sealed record XfrmStateSpec(
    IPAddress? Source,
    IPAddress Destination,
    EspSpi Spi,
    XfrmMode Mode,
    EspSuite Suite,
    SecretBytes EncrKey,
    SecretBytes IntegKey,
    uint ReplayWindow,
    uint ReqId,
    XfrmMark? Mark,
    ulong HardLifetimeSeconds,
    XfrmDirection? Direction = null,
    ulong SoftLifetimeSeconds = 0,
    XfrmEncap? Encap = null)
{
    /// <summary>The state's address family (xfrm_usersa_info.family), that of its outer addresses.</summary>
    public AddressFamily Family => Destination.AddressFamily;

    /// <summary>The kernel's key for this state.</summary>
    public XfrmStateId Id => new(Destination, Spi);

    /// <summary>"in src any dst 192.0.2.1 spi 0xc0000101 esp cbc(aes) 256 hmac(sha256) 128 tunnel replay 0 reqid 0x4d505341 life 3660s".</summary>
    public override string ToString()
    {
        var b = new StringBuilder();
        if (Direction is { } dir)
        {
            b.Append(EnumText.LowerOf(dir)).Append(' ');
        }
        b.Append(CultureInfo.InvariantCulture, $"src {Source?.ToString() ?? "any"} dst {Destination} spi 0x{Spi.Value:x8} esp ");
        b.Append(XfrmAlgorithms.Describe(Suite, EncrKey.Length));
        b.Append(CultureInfo.InvariantCulture, $" {EnumText.LowerOf(Mode)} replay {ReplayWindow} reqid 0x{ReqId:x}");
        if (Mark is { } mark)
        {
            b.Append(" mark ").Append(mark.ToString());
        }
        if (Encap is { } encap)
        {
            b.Append(' ').Append(encap.ToString());
        }
        if (HardLifetimeSeconds > 0)
        {
            b.Append(CultureInfo.InvariantCulture, $" life {HardLifetimeSeconds}s");
        }
        if (SoftLifetimeSeconds > 0)
        {
            b.Append(CultureInfo.InvariantCulture, $" soft {SoftLifetimeSeconds}s");
        }
        return b.ToString();
    }
}
