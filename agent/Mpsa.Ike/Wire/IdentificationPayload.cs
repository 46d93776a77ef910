using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.5 Identification Payload (IDi or IDr).</summary>
/// <remarks>ID Type (1) | RESERVED (3) | Identification Data</remarks>
public sealed record IdentificationPayload(PayloadType Type, IdType IdType, byte[] Data) : IPayload
{
    public int BodyLength => 4 + Data.Length;

    /// <summary>The body as MACed for AUTH ("RestOfInitIDPayload", RFC 7296 §2.15).</summary>
    public byte[] BodyBytes()
    {
        var bytes = new byte[BodyLength];
        var w = new IkeWriter(bytes);
        EncodeBody(ref w);
        return bytes;
    }

    public static IdentificationPayload Decode(PayloadType type, ref IkeReader r)
    {
        int at = r.Offset;
        var idType = (IdType)r.ReadUInt8("ID type");
        r.Take(3, "ID reserved");
        byte[] data = r.TakeRest().ToArray();
        int expected = idType switch
        {
            IdType.ID_IPV4_ADDR => 4,
            IdType.ID_IPV6_ADDR => 16,
            _ => -1,
        };
        if ((expected >= 0 && data.Length != expected) || data.Length == 0)
        {
            IkeParse.Fail(IkeParseError.BadValue, "ID data length", at);
        }
        return new IdentificationPayload(type, idType, data);
    }

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt8((byte)IdType);
        w.WriteZeros(3);
        w.Write(Data);
    }

    /// <summary>Builds the ID for a text identity: an IP address, user@fqdn (RFC822), "keyid:..." or a FQDN.</summary>
    public static IdentificationPayload FromText(PayloadType type, string identity)
    {
        if (IPAddress.TryParse(identity, out var ip))
        {
            return new(type, ip.AddressFamily == AddressFamily.InterNetworkV6 ? IdType.ID_IPV6_ADDR : IdType.ID_IPV4_ADDR, ip.GetAddressBytes());
        }
        if (identity.StartsWith("keyid:", StringComparison.Ordinal))
        {
            return new(type, IdType.ID_KEY_ID, Encoding.UTF8.GetBytes(identity["keyid:".Length..]));
        }
        return new(type, identity.Contains('@', StringComparison.Ordinal) ? IdType.ID_RFC822_ADDR : IdType.ID_FQDN, Encoding.UTF8.GetBytes(identity));
    }

    /// <summary>The identity as text, in the form <see cref="FromText"/> reads.</summary>
    public string ToText() => IdType switch
    {
        IdType.ID_IPV4_ADDR or IdType.ID_IPV6_ADDR => new IPAddress(Data).ToString(),
        IdType.ID_FQDN or IdType.ID_RFC822_ADDR => Encoding.UTF8.GetString(Data),
        IdType.ID_KEY_ID => "keyid:" + Encoding.UTF8.GetString(Data),
        IdType.ID_DER_ASN1_DN => DistinguishedName.FormatOrHex(Data),
        _ => $"{IdType}:{Convert.ToHexStringLower(Data)}",
    };

    /// <summary>This is the identity written as <paramref name="identity"/> (a DN as text compares by its DER order).</summary>
    public bool Matches(string identity) => IdType == IdType.ID_DER_ASN1_DN
        ? DistinguishedName.Normalize(identity) is { } dn && dn == ToText()
        : SameIdentity(FromText(Type, identity));

    /// <summary>Same identity, whichever of IDi/IDr carries it.</summary>
    public bool SameIdentity(IdentificationPayload other) => IdType == other.IdType && Data.AsSpan().SequenceEqual(other.Data);
}
