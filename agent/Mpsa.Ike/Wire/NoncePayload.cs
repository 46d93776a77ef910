namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.9 Nonce Payload: 16 to 256 octets.</summary>
public sealed record NoncePayload(byte[] Data) : IPayload
{
    public const int MinLength = 16;
    public const int MaxLength = 256;

    public PayloadType Type => PayloadType.NONCE;

    public int BodyLength => Data.Length;

    public static NoncePayload Decode(ref IkeReader r)
    {
        int at = r.Offset;
        if (r.Remaining is < MinLength or > MaxLength)
        {
            IkeParse.Fail(IkeParseError.BadValue, "nonce length", at);
        }
        return new NoncePayload(r.TakeRest().ToArray());
    }

    public void EncodeBody(ref IkeWriter w) => w.Write(Data);
}
