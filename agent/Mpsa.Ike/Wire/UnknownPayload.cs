namespace Mpsa.Ike.Wire;

/// <summary>A payload this implementation does not interpret (RFC 7296 §2.5: skipped unless critical).</summary>
public sealed record UnknownPayload(PayloadType Type, byte[] Body) : IPayload
{
    public int BodyLength => Body.Length;

    public void EncodeBody(ref IkeWriter w) => w.Write(Body);
}
