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
}
