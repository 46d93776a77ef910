namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.8 Authentication Payload.</summary>
/// <remarks>Auth Method (1) | RESERVED (3) | Authentication Data</remarks>
public sealed record AuthenticationPayload(AuthMethod Method, byte[] Data) : IPayload
{
    public PayloadType Type => PayloadType.AUTH;

    public int BodyLength => 4 + Data.Length;

    public static AuthenticationPayload Decode(ref IkeReader r)
    {
        var method = (AuthMethod)r.ReadUInt8("AUTH method");
        r.Take(3, "AUTH reserved");
        if (r.Remaining == 0)
        {
            IkeParse.Fail(IkeParseError.Truncated, "AUTH data", r.Offset);
        }
        return new AuthenticationPayload(method, r.TakeRest().ToArray());
    }

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt8((byte)Method);
        w.WriteZeros(3);
        w.Write(Data);
    }
}
