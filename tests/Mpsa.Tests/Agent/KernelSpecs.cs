using System.Net;
using Mpsa.Netlink.Kernel;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Agent;

/// <summary>States and policies for the kernel tests; keys are recognisable patterns.</summary>
internal static class KernelSpecs
{
    public static readonly EspSuite CbcSha256 = new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128);

    public static XfrmStateSpec State(string destination, uint spi, string? source = null, uint reqId = 1001, XfrmMark? mark = null,
        byte keyByte = 0x42, XfrmDirection? direction = null) =>
        new(source is null ? null : IPAddress.Parse(source), IPAddress.Parse(destination), new EspSpi(spi), XfrmMode.Tunnel, CbcSha256,
            SecretBytes.CopyFrom(Enumerable.Repeat(keyByte, 32).ToArray()), SecretBytes.CopyFrom(Enumerable.Repeat((byte)(keyByte + 1), 32).ToArray()),
            ReplayWindow: 0, reqId, mark, HardLifetimeSeconds: 3660, direction);

    public static XfrmPolicySpec Policy(string source, string destination, XfrmDirection direction, uint reqId = 1001, XfrmMark? mark = null) =>
        new(new XfrmSelector(IpPrefix.Parse(source), IpPrefix.Parse(destination)), direction,
            new XfrmTemplate(IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.2"), reqId, XfrmMode.Tunnel), Priority: 1000, mark);
}
