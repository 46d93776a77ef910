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
    public override string ToString() => Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
}
