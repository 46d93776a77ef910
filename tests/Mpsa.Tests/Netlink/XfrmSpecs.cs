using System.Net;
using System.Net.Sockets;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.Netlink;

/// <summary>States and policies for the kernel contract; keys are recognisable patterns sized for the suite.</summary>
internal static class XfrmSpecs
{
    public const uint OwnReqId = 0x4d505341;

    public static readonly EspSuite CbcSha256 = new(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128);
    public static readonly EspSuite CbcSha1 = new(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA1_96);
    public static readonly EspSuite Gcm16 = new(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE);
    public static readonly EspSuite ChaCha = new(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE);

    public static EspSuite Suite(string name) => name switch
    {
        "cbc-sha256" => CbcSha256,
        "cbc-sha1" => CbcSha1,
        "gcm16" => Gcm16,
        "chacha20poly1305" => ChaCha,
        _ => throw new ArgumentException(name),
    };

    public static XfrmStateSpec State(string destination, uint spi, string? source = null, uint reqId = OwnReqId, XfrmMark? mark = null,
        EspSuite? suite = null, XfrmMode mode = XfrmMode.Tunnel, byte keyByte = 0x42, uint replayWindow = 0, XfrmDirection? direction = null)
    {
        suite ??= CbcSha256;
        return new(source is null ? null : IPAddress.Parse(source), IPAddress.Parse(destination), new EspSpi(spi), mode, suite,
            SecretBytes.CopyFrom(Enumerable.Repeat(keyByte, suite.EncrKeyLength).ToArray()),
            SecretBytes.CopyFrom(Enumerable.Repeat((byte)(keyByte + 1), suite.IntegKeyLength).ToArray()),
            replayWindow, reqId, mark, HardLifetimeSeconds: 3660, direction, SoftLifetimeSeconds: 3600);
    }

    public static XfrmPolicySpec Policy(string source, string destination, XfrmDirection direction, uint reqId = OwnReqId, XfrmMark? mark = null,
        XfrmMode mode = XfrmMode.Tunnel, bool bypass = false, ProtocolType protocol = ProtocolType.Unspecified, ushort destinationPort = 0)
    {
        var selector = new XfrmSelector(IpPrefix.Parse(source), IpPrefix.Parse(destination), protocol, 0, destinationPort);
        bool v6 = selector.Family == AddressFamily.InterNetworkV6;
        XfrmTemplate? template = bypass ? null : mode == XfrmMode.Tunnel
            ? new XfrmTemplate(IPAddress.Parse(v6 ? "2001:db8::1" : "192.0.2.1"), IPAddress.Parse(v6 ? "2001:db8::2" : "198.51.100.2"), reqId, mode)
            : new XfrmTemplate(null, null, reqId, mode);
        return new(selector, direction, template, Priority: 1000, mark);
    }
}
