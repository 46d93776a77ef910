using System.Security.Cryptography;

namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.3.5 Transform Attribute: TV (AF=1, 2-byte value) or TLV (AF=0).</summary>
/// <remarks>
///   |A|   Attribute Type (15)   |  AF=0: Attribute Length / AF=1: Attribute Value (16)  |  [AF=0: Attribute Value]
/// </remarks>
public sealed record TransformAttribute(TransformAttributeType AttributeType, ushort TvValue, byte[]? TlvValue)
{
    private const ushort FormatBit = 0x8000;

    public bool IsTv => TlvValue is null;

    public int Length => IsTv ? 4 : 4 + TlvValue!.Length;

    public static TransformAttribute Tv(TransformAttributeType type, ushort value) => new(type, value, null);

    public static TransformAttribute Tlv(TransformAttributeType type, byte[] value) => new(type, 0, value);

    public static TransformAttribute Decode(ref IkeReader r)
    {
        ushort typeField = r.ReadUInt16("transform attribute type");
        ushort lengthOrValue = r.ReadUInt16("transform attribute length/value");
        var type = (TransformAttributeType)(typeField & ~FormatBit);
        return (typeField & FormatBit) != 0
            ? Tv(type, lengthOrValue)
            : Tlv(type, KeyMaterialCopies.Of(r.Take(lengthOrValue, "transform attribute value")));
    }

    /// <summary>Zeroes a TLV value that may be key material (the SK_d of an MPSA_PUT) once it has been used.</summary>
    internal void ZeroValue()
    {
        if (TlvValue is not null)
        {
            CryptographicOperations.ZeroMemory(TlvValue);
        }
    }

    public void Encode(ref IkeWriter w)
    {
        if (IsTv)
        {
            w.WriteUInt16((ushort)(FormatBit | (ushort)AttributeType));
            w.WriteUInt16(TvValue);
        }
        else
        {
            w.WriteUInt16((ushort)AttributeType);
            w.WriteUInt16(checked((ushort)TlvValue!.Length));
            w.Write(TlvValue);
        }
    }
}
