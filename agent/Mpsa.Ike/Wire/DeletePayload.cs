using System.Buffers.Binary;

namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.11 Delete Payload: the IKE SA (no SPIs) or ESP/AH SAs (4-byte SPIs).</summary>
/// <remarks>Protocol ID (1) | SPI Size (1) | Num of SPIs (2) | SPIs</remarks>
public sealed record DeletePayload(ProtocolId ProtocolId, IReadOnlyList<uint> Spis) : IPayload
{
    public static readonly DeletePayload IkeSa = new(ProtocolId.IKE, []);

    public PayloadType Type => PayloadType.D;

    public int BodyLength => 4 + (ProtocolId == ProtocolId.IKE ? 0 : 4 * Spis.Count);

    public static DeletePayload Decode(ref IkeReader r)
    {
        int at = r.Offset;
        var protocol = (ProtocolId)r.ReadUInt8("Delete protocol ID");
        int spiSize = r.ReadUInt8("Delete SPI size");
        int count = r.ReadUInt16("Delete num of SPIs");
        int expectedSize = protocol == ProtocolId.IKE ? 0 : 4;
        if (spiSize != expectedSize || (protocol == ProtocolId.IKE && count != 0) || protocol is not (ProtocolId.IKE or ProtocolId.AH or ProtocolId.ESP))
        {
            IkeParse.Fail(IkeParseError.BadValue, "Delete SPI size", at + 1);
        }
        if (count * spiSize != r.Remaining)
        {
            IkeParse.Fail(IkeParseError.CountMismatch, "Delete num of SPIs", at + 2);
        }
        var spis = new uint[count];
        for (int i = 0; i < count; i++)
        {
            spis[i] = r.ReadUInt32("Delete SPI");
        }
        return new DeletePayload(protocol, spis);
    }

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt8((byte)ProtocolId);
        w.WriteUInt8(ProtocolId == ProtocolId.IKE ? (byte)0 : (byte)4);
        w.WriteUInt16(checked((ushort)(ProtocolId == ProtocolId.IKE ? 0 : Spis.Count)));
        if (ProtocolId != ProtocolId.IKE)
        {
            foreach (uint spi in Spis)
            {
                w.WriteUInt32(spi);
            }
        }
    }
}
