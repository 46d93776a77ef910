namespace Mpsa.Ike.Wire;

/// <summary>
/// Identifier octets (X.690 §8.1.2) of the universal types X.501 Names use: class bits 00, the constructed bit
/// (0x20), and the tag number (X.680 §8.4), which for all of these fits the one octet.
/// </summary>
internal static class DerTag
{
    public const byte ObjectIdentifier = 0x06;
    public const byte UTF8String = 0x0c;
    public const byte NumericString = 0x12;
    public const byte PrintableString = 0x13;
    public const byte T61String = 0x14;
    public const byte IA5String = 0x16;
    public const byte VisibleString = 0x1a;
    public const byte UniversalString = 0x1c;
    public const byte BMPString = 0x1e;

    /// <summary>SEQUENCE and SEQUENCE OF (16), constructed.</summary>
    public const byte Sequence = 0x30;

    /// <summary>SET and SET OF (17), constructed.</summary>
    public const byte SetOf = 0x31;
}
