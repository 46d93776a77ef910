namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.4 Key Exchange Payload.</summary>
/// <remarks>Diffie-Hellman Group Num (2) | RESERVED (2) | Key Exchange Data</remarks>
public sealed record KeyExchangePayload(DhGroup Group, byte[] Data) : IPayload
{
    public PayloadType Type => PayloadType.KE;

    public int BodyLength => 4 + Data.Length;

    public static KeyExchangePayload Decode(ref IkeReader r)
    {
        var group = (DhGroup)r.ReadUInt16("KE group");
        r.ReadUInt16("KE reserved");
        if (r.Remaining == 0)
        {
            IkeParse.Fail(IkeParseError.Truncated, "KE data", r.Offset);
        }
        return new KeyExchangePayload(group, r.TakeRest().ToArray());
    }

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt16((ushort)Group);
        w.WriteUInt16(0);
        w.Write(Data);
    }
}
