namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.6 Certificate Payload.</summary>
/// <remarks>Cert Encoding (1) | Certificate Data</remarks>
public sealed record CertificatePayload(CertEncoding Encoding, byte[] Data) : IPayload
{
    public PayloadType Type => PayloadType.CERT;

    public int BodyLength => 1 + Data.Length;

    public static CertificatePayload Decode(ref IkeReader r) =>
        new((CertEncoding)r.ReadUInt8("CERT encoding"), r.TakeRest().ToArray());

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt8((byte)Encoding);
        w.Write(Data);
    }
}
