namespace Mpsa.Ike.Wire;

/// <summary>An IKE SA SPI (RFC 7296 §3.1), printed in hex.</summary>
public readonly record struct IkeSpi(ulong Value)
{
    public bool IsZero => Value == 0;
    public override string ToString() => Value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An ESP SPI (RFC 4303), printed in hex.</summary>
public readonly record struct EspSpi(uint Value)
{
    /// <summary>SPIs 0-255 are reserved (RFC 4303 §2.1): never a real SA.</summary>
    public bool IsReserved => Value <= 255;

    /// <summary>Network byte order, as Notify and Delete payloads carry it.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, Value);
        return bytes;
    }

    public override string ToString() => Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
}
