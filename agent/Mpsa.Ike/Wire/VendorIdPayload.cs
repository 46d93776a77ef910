namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.12 Vendor ID Payload.</summary>
public sealed record VendorIdPayload(byte[] Data) : IPayload
{
    /// <summary>draft-mpsa §3.2.1: the Vendor ID content announcing multi-point SA support.</summary>
    public static ReadOnlySpan<byte> MpsaVendorId => "multi-point SA"u8;

    public static VendorIdPayload Mpsa() => new(MpsaVendorId.ToArray());

    public bool IsMpsa => Data.AsSpan().SequenceEqual(MpsaVendorId);

    public PayloadType Type => PayloadType.V;

    public int BodyLength => Data.Length;

    public static VendorIdPayload Decode(ref IkeReader r) => new(r.TakeRest().ToArray());

    public void EncodeBody(ref IkeWriter w) => w.Write(Data);

    /// <summary>For messages, safe to log: printable ASCII as text (<c>V("multi-point SA")</c>), anything else as hex
    /// (most Vendor IDs are hashes; a control character never reaches a line).</summary>
    public override string ToString() => Data.Length > 0 && !Data.AsSpan().ContainsAnyExceptInRange((byte)0x20, (byte)0x7e)
        ? $"V(\"{System.Text.Encoding.ASCII.GetString(Data)}\")"
        : $"V({Convert.ToHexStringLower(Data)})";
}
