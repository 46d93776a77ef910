using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 7296 §2.23 NAT detection: Notification Data = SHA-1(SPIi | SPIr | IP address | port), with the SPIs as they
/// appear in the message's header (SPIr zero in the request). SHA-1 comes from System.Security.Cryptography (libssl)
/// unless the daemon names another source in <see cref="Sha1"/>; the daemon offers NAT detection only where one works.
/// </summary>
public static class NatDetection
{
    public const int NatTraversalPort = 4500;

    /// <summary>Writes SHA-1(<paramref name="data"/>) to <paramref name="digest"/> (20 bytes).</summary>
    public delegate void Sha1Function(ReadOnlySpan<byte> data, Span<byte> digest);

    /// <summary>
    /// Where the NAT-D hashes come from: System.Security.Cryptography (libssl) by default; the agent without libssl sets
    /// the kernel's (AF_ALG) once at start, before any IKE SA.
    /// </summary>
    public static Sha1Function Sha1 { get; set; } = LibsslSha1;

#pragma warning disable CA5350 // RFC 7296 §2.23 defines NAT-D as SHA-1; it detects address changes, it protects nothing.
    private static void LibsslSha1(ReadOnlySpan<byte> data, Span<byte> digest) => SHA1.HashData(data, digest);
#pragma warning restore CA5350

    public static byte[] Hash(IkeSpi spiI, IkeSpi spiR, IPEndPoint endpoint)
    {
        byte[] address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4().GetAddressBytes() : endpoint.Address.GetAddressBytes();
        var input = new byte[16 + address.Length + 2];
        BinaryPrimitives.WriteUInt64BigEndian(input, spiI.Value);
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(8), spiR.Value);
        address.CopyTo(input, 16);
        BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(16 + address.Length), (ushort)endpoint.Port);
        var hash = new byte[HashLength];
        Sha1(input, hash);
        return hash;
    }

    public static NotifyPayload[] Notifies(IkeSpi spiI, IkeSpi spiR, IPEndPoint source, IPEndPoint destination) =>
    [
        new NotifyPayload(NotifyType.NAT_DETECTION_SOURCE_IP, Hash(spiI, spiR, source)),
        new NotifyPayload(NotifyType.NAT_DETECTION_DESTINATION_IP, Hash(spiI, spiR, destination)),
    ];

    /// <summary>
    /// The NAT-D notifies of a request of ours (IKE_SA_INIT, UPDATE_SA_ADDRESSES): real with our endpoint
    /// <paramref name="local"/> (SHA-1 at hand); with <paramref name="force"/>, faked so that the peer sees a NAT in front
    /// of us whatever the path (as strongSwan's <c>encap = yes</c>): a random source hash, and the destination's real
    /// only with <paramref name="local"/>. None without either.
    /// </summary>
    public static NotifyPayload[]? ForRequest(IkeSpi spiI, IkeSpi spiR, IPEndPoint? local, IPEndPoint peer, bool force, IRandom random)
    {
        if (!force)
        {
            return local is null ? null : Notifies(spiI, spiR, local, peer);
        }
        return
        [
            new NotifyPayload(NotifyType.NAT_DETECTION_SOURCE_IP, RandomHash(random)),
            new NotifyPayload(NotifyType.NAT_DETECTION_DESTINATION_IP, local is null ? RandomHash(random) : Hash(spiI, spiR, peer)),
        ];
    }

    private static byte[] RandomHash(IRandom random)
    {
        var hash = new byte[HashLength];
        random.Fill(hash);
        return hash;
    }

    /// <summary>SHA-1's output, the length of every NAT-D hash.</summary>
    public const int HashLength = 20;

    /// <summary>A NAT keepalive (RFC 3948 §2.3): one octet 0xFF to port 4500, without the non-ESP marker.</summary>
    public const byte KeepaliveOctet = 0xFF;

    /// <summary>Whether a datagram is a NAT keepalive (no IKE message is one octet long).</summary>
    public static bool IsKeepalive(ReadOnlySpan<byte> datagram) => datagram is [KeepaliveOctet];

    /// <summary>
    /// True when the message's NAT-D data says a NAT sits between <paramref name="sender"/> (as we saw it) and
    /// <paramref name="receiver"/> (as we know ourselves); null when the message carries no NAT-D notifies.
    /// </summary>
    public static bool? Detected(IkeMessage message, IPEndPoint sender, IPEndPoint receiver)
    {
        var sources = message.All<NotifyPayload>(n => n.NotifyType == NotifyType.NAT_DETECTION_SOURCE_IP);
        var destination = message.FindNotify(NotifyType.NAT_DETECTION_DESTINATION_IP);
        if (sources.Count == 0 || destination is null)
        {
            return null;
        }
        var h = message.Header;
        bool senderMatches = sources.Exists(s => CryptographicOperations.FixedTimeEquals(s.Data, Hash(h.SpiI, h.SpiR, sender)));
        bool receiverMatches = CryptographicOperations.FixedTimeEquals(destination.Data, Hash(h.SpiI, h.SpiR, receiver));
        return !(senderMatches && receiverMatches);
    }
}
