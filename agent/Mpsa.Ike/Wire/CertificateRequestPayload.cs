namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.7 Certificate Request Payload; for X.509, concatenated SHA-1 hashes of CA public keys.</summary>
/// <remarks>Cert Encoding (1) | Certification Authority</remarks>
public sealed record CertificateRequestPayload(CertEncoding Encoding, byte[] Data) : IPayload
{
    public PayloadType Type => PayloadType.CERTREQ;

    public int BodyLength => 1 + Data.Length;

    public static CertificateRequestPayload Decode(ref IkeReader r) =>
        new((CertEncoding)r.ReadUInt8("CERTREQ encoding"), r.TakeRest().ToArray());

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt8((byte)Encoding);
        w.Write(Data);
    }
}
