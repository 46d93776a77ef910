namespace Mpsa.Ike.Wire;

/// <summary>A payload body; the generic payload header (RFC 7296 §3.2) belongs to the message codec.</summary>
public interface IPayload
{
    PayloadType Type { get; }

    /// <summary>Length of the body, without the 4-byte generic header.</summary>
    int BodyLength { get; }

    void EncodeBody(ref IkeWriter w);
}
