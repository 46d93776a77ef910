using System.Security.Cryptography;

namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.10 Notify Payload.</summary>
/// <remarks>Protocol ID (1) | SPI Size (1) | Notify Message Type (2) | SPI | Notification Data</remarks>
public sealed record NotifyPayload(ProtocolId ProtocolId, NotifyType NotifyType, byte[] Spi, byte[] Data) : IPayload
{
    public NotifyPayload(NotifyType type, byte[]? data = null) : this(ProtocolId.NONE, type, [], data ?? []) { }

    public PayloadType Type => PayloadType.N;

    public int BodyLength => 4 + Spi.Length + Data.Length;

    /// <summary>RFC 7296 §3.10.1: types below 16384 are errors.</summary>
    public bool IsError => (ushort)NotifyType < 16384;

    /// <summary>True when the Notification Data is key material: N(MPSA_PUT) carries SK_d (draft §3.2.2).</summary>
    public bool CarriesKeyMaterial => NotifyType == NotifyType.MPSA_PUT;

    public static NotifyPayload Decode(ref IkeReader r)
    {
        var protocol = (ProtocolId)r.ReadUInt8("Notify protocol ID");
        int spiSize = r.ReadUInt8("Notify SPI size");
        var type = (NotifyType)r.ReadUInt16("Notify message type");
        byte[] spi = r.Take(spiSize, "Notify SPI").ToArray();
        return new NotifyPayload(protocol, type, spi, KeyMaterialCopies.Of(r.TakeRest()));
    }

    /// <summary>Zeroes the Notification Data if it is key material (<see cref="CarriesKeyMaterial"/>): once sealed,
    /// or once decoded into what keeps the key.</summary>
    internal void ZeroKeyMaterial()
    {
        if (CarriesKeyMaterial)
        {
            CryptographicOperations.ZeroMemory(Data);
        }
    }

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt8((byte)ProtocolId);
        w.WriteUInt8(checked((byte)Spi.Length));
        w.WriteUInt16((ushort)NotifyType);
        w.Write(Spi);
        w.Write(Data);
    }
}
