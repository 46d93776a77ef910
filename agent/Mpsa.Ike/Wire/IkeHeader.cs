using System.Buffers.Binary;

namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.1 IKE Header.</summary>
/// <remarks>
///   IKE SA Initiator's SPI (8) | IKE SA Responder's SPI (8) | Next Payload (1) | MjVer/MnVer (1) |
///   Exchange Type (1) | Flags (1) | Message ID (4) | Length (4)
/// </remarks>
public readonly record struct IkeHeader(
    IkeSpi SpiI,
    IkeSpi SpiR,
    PayloadType NextPayload,
    ExchangeType Exchange,
    IkeFlags Flags,
    uint MessageId,
    uint Length)
{
    public const int Size = 28;
    public const byte Version2 = 0x20;

    public bool IsResponse => (Flags & IkeFlags.Response) != 0;
    public bool IsFromInitiator => (Flags & IkeFlags.Initiator) != 0;

    /// <summary>Reads just the header to route a datagram (no allocation). False if fewer than 28 bytes.</summary>
    public static bool TryPeek(ReadOnlySpan<byte> datagram, out IkeHeader header)
    {
        if (datagram.Length < Size)
        {
            header = default;
            return false;
        }
        header = new IkeHeader(
            new IkeSpi(BinaryPrimitives.ReadUInt64BigEndian(datagram)),
            new IkeSpi(BinaryPrimitives.ReadUInt64BigEndian(datagram[8..])),
            (PayloadType)datagram[16],
            (ExchangeType)datagram[18],
            (IkeFlags)datagram[19],
            BinaryPrimitives.ReadUInt32BigEndian(datagram[20..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[24..]));
        return true;
    }

    /// <summary>Strict decode: major version 2, Length equal to the datagram's.</summary>
    public static IkeHeader Decode(ref IkeReader r, int datagramLength)
    {
        int at = r.Offset;
        var spiI = new IkeSpi(r.ReadUInt64("IKE header SPIi"));
        var spiR = new IkeSpi(r.ReadUInt64("IKE header SPIr"));
        var next = (PayloadType)r.ReadUInt8("IKE header next payload");
        byte version = r.ReadUInt8("IKE header version");
        var exchange = (ExchangeType)r.ReadUInt8("IKE header exchange type");
        var flags = (IkeFlags)r.ReadUInt8("IKE header flags");
        uint messageId = r.ReadUInt32("IKE header message ID");
        uint length = r.ReadUInt32("IKE header length");
        if (version >> 4 != 2)
        {
            IkeParse.Fail(IkeParseError.UnsupportedVersion, "IKE header version", at + 17);
        }
        if (length != (uint)datagramLength)
        {
            IkeParse.Fail(length < Size ? IkeParseError.LengthBelowHeader : IkeParseError.LengthBeyondContainer, "IKE header length", at + 24);
        }
        return new IkeHeader(spiI, spiR, next, exchange, flags, messageId, length);
    }

    public void Encode(ref IkeWriter w)
    {
        w.WriteUInt64(SpiI.Value);
        w.WriteUInt64(SpiR.Value);
        w.WriteUInt8((byte)NextPayload);
        w.WriteUInt8(Version2);
        w.WriteUInt8((byte)Exchange);
        // RFC 7296 §3.1: the Version flag is 0; unknown flag bits are sent as zero.
        w.WriteUInt8((byte)(Flags & (IkeFlags.Initiator | IkeFlags.Response)));
        w.WriteUInt32(MessageId);
        w.WriteUInt32(Length);
    }
}
