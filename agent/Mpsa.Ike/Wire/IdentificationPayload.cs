using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

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

    /// <summary>How an identity is written: a type prefix, then the value (<c>fqdn:ctl@example.net</c>).</summary>
    private static readonly Dictionary<string, IdType> Prefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ipv4"] = IdType.ID_IPV4_ADDR, ["ipv6"] = IdType.ID_IPV6_ADDR, ["fqdn"] = IdType.ID_FQDN, ["dns"] = IdType.ID_FQDN,
        ["rfc822"] = IdType.ID_RFC822_ADDR, ["email"] = IdType.ID_RFC822_ADDR, ["asn1dn"] = IdType.ID_DER_ASN1_DN,
        ["keyid"] = IdType.ID_KEY_ID,
    };

    private static readonly System.Buffers.SearchValues<char> HexDigits =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>What an identity may look like, for error messages.</summary>
    public const string TextSyntax = "an FQDN, user@fqdn, IP address, DN (C=CH, O=Example, CN=name), keyid:TEXT or "
        + "keyid:#HEX, or the type named: fqdn:, email:, ipv4:, ipv6:, asn1dn:";

    /// <summary>Builds the ID for a text identity (see <see cref="TryFromText"/>); throws <see cref="ArgumentException"/>
    /// for a bad one.</summary>
    public static IdentificationPayload FromText(PayloadType type, string identity) =>
        TryFromText(type, identity, out var id, out var problem) ? id : throw new ArgumentException(problem, nameof(identity));

    /// <summary>
    /// Builds the ID for a text identity. A type prefix names the type (<c>fqdn:</c>, <c>email:</c>, <c>ipv4:</c>,
    /// <c>ipv6:</c>, <c>asn1dn:</c>, <c>keyid:</c>, as strongSwan writes them); without one the text says it: an IP
    /// address, a DN (any text with '=': <c>C=CH, O=Example, CN=name</c>), user@fqdn (RFC822) or an FQDN.
    /// <c>keyid:#0a1b</c> is a binary key ID in hex.
    /// </summary>
    public static bool TryFromText(PayloadType type, string identity, [NotNullWhen(true)] out IdentificationPayload? id,
        [NotNullWhen(false)] out string? problem)
    {
        id = null;
        int colon = identity.IndexOf(':', StringComparison.Ordinal);
        IdType? named = colon > 0 && Prefixes.TryGetValue(identity[..colon], out var t) ? t : null;
        string value = named is null ? identity : identity[(colon + 1)..];
        if (value.Length == 0)
        {
            problem = "the identity is empty";
            return false;
        }
        var idType = named ?? Infer(value);
        byte[]? data = null;
        switch (idType)
        {
            case IdType.ID_IPV4_ADDR or IdType.ID_IPV6_ADDR:
                var family = idType == IdType.ID_IPV4_ADDR ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                data = IPAddress.TryParse(value, out var ip) && ip.AddressFamily == family ? ip.GetAddressBytes() : null;
                string version = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
                problem = data is null ? $"'{value}' is not an {version} address" : null;
                break;
            case IdType.ID_DER_ASN1_DN:
                if (!DistinguishedName.TryParse(value, out data, out var why))
                {
                    problem = $"'{value}' is not a distinguished name: {why}";
                    break;
                }
                problem = null;
                break;
            case IdType.ID_KEY_ID when value.StartsWith('#'):
                data = value.Length > 1 && value.Length % 2 == 1 && !value.AsSpan(1).ContainsAnyExcept(HexDigits)
                    ? Convert.FromHexString(value.AsSpan(1)) : null;
                problem = data is null ? $"'{value}' is not #HEX (an even number of hex digits)" : null;
                break;
            default:
                data = Encoding.UTF8.GetBytes(value);
                problem = null;
                break;
        }
        if (data is null)
        {
            problem ??= "bad identity";
            return false;
        }
        id = new IdentificationPayload(type, idType, data);
        return true;
    }

    /// <summary>
    /// The identity as text, in the form <see cref="FromText"/> reads back to the same type and value (with a type prefix
    /// where the value alone would read as another type), and safe to log (<see cref="PeerText"/>).
    /// </summary>
    public string ToText()
    {
        string value = Value();
        return IdType switch
        {
            IdType.ID_FQDN when ReadsAs(value) != IdType.ID_FQDN => PeerText.Escape("fqdn:" + value),
            IdType.ID_RFC822_ADDR when ReadsAs(value) != IdType.ID_RFC822_ADDR => PeerText.Escape("email:" + value),
            IdType.ID_KEY_ID => "keyid:" + PeerText.Escape(value),
            IdType.ID_IPV4_ADDR or IdType.ID_IPV6_ADDR or IdType.ID_FQDN or IdType.ID_RFC822_ADDR or IdType.ID_DER_ASN1_DN =>
                PeerText.Escape(value),
            _ => $"{IdType}:{value}",
        };
    }

    /// <summary>Type and value for messages: <c>ID_FQDN 'ctl.example.net'</c>, safe to log.</summary>
    public string Describe() => $"{IdType} '{PeerText.Escape(Value())}'";

    /// <summary>Type and value: <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();

    /// <summary>
    /// A key that two IDs share exactly when they name the same identity (RFC 7296 §3.5): the same ID type, and the same
    /// value, where FQDN and RFC822 names ignore ASCII case and a DN compares as RFC 5280 §7.1 says
    /// (<see cref="DistinguishedName.Equal"/>). Hex throughout, so no value can pass for another type's.
    /// </summary>
    public string MatchKey()
    {
        string value = IdType switch
        {
            IdType.ID_FQDN or IdType.ID_RFC822_ADDR => Convert.ToHexString(AsciiLower(Data)),
            IdType.ID_DER_ASN1_DN => DistinguishedName.Canonical(Data) ?? "#" + Convert.ToHexString(Data),
            _ => Convert.ToHexString(Data),
        };
        return $"{(int)IdType}:{value}";
    }

    /// <summary>This is the identity written as <paramref name="identity"/>: type and value (<see cref="MatchKey"/>).</summary>
    public bool Matches(string identity) => TryFromText(Type, identity, out var expected, out _) && SameIdentity(expected);

    /// <summary>Same identity, whichever of IDi/IDr carries it: type and value (<see cref="MatchKey"/>).</summary>
    public bool SameIdentity(IdentificationPayload other) => IdType == other.IdType && IdType switch
    {
        IdType.ID_FQDN or IdType.ID_RFC822_ADDR => AsciiEqualIgnoringCase(Data, other.Data),
        IdType.ID_DER_ASN1_DN => MatchKey() == other.MatchKey(),
        _ => Data.AsSpan().SequenceEqual(other.Data),
    };

    /// <summary>The type <see cref="TryFromText"/> reads <paramref name="text"/> as: its prefix's, or what it looks like.</summary>
    private static IdType ReadsAs(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Prefixes.TryGetValue(text[..colon], out var named) ? named : Infer(text);
    }

    /// <summary>The type <see cref="TryFromText"/> gives a value without a prefix.</summary>
    private static IdType Infer(string value) =>
        IPAddress.TryParse(value, out var ip) ? ip.AddressFamily == AddressFamily.InterNetworkV6 ? IdType.ID_IPV6_ADDR : IdType.ID_IPV4_ADDR
        : value.Contains('=', StringComparison.Ordinal) ? IdType.ID_DER_ASN1_DN
        : value.Contains('@', StringComparison.Ordinal) ? IdType.ID_RFC822_ADDR
        : IdType.ID_FQDN;

    /// <summary>The value alone as text, not yet escaped.</summary>
    private string Value() => IdType switch
    {
        IdType.ID_IPV4_ADDR or IdType.ID_IPV6_ADDR when Data.Length is 4 or 16 => new IPAddress(Data).ToString(),
        IdType.ID_FQDN or IdType.ID_RFC822_ADDR => Encoding.UTF8.GetString(Data),
        IdType.ID_KEY_ID => IsPlainText(Data) ? Encoding.UTF8.GetString(Data) : "#" + Convert.ToHexStringLower(Data),
        IdType.ID_DER_ASN1_DN => DistinguishedName.FormatOrHex(Data),
        _ => Convert.ToHexStringLower(Data),
    };

    /// <summary>A key ID that reads back as itself: UTF-8 without control characters, not starting with '#'.</summary>
    private static bool IsPlainText(byte[] data)
    {
        if (data.Length == 0 || data[0] == (byte)'#' || !Utf8.IsValid(data))
        {
            return false;
        }
        string text = Encoding.UTF8.GetString(data);
        return PeerText.Escape(text) == text;
    }

    /// <summary>What comparing <see cref="AsciiLower"/> of each would say, without the copies.</summary>
    private static bool AsciiEqualIgnoringCase(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (int i = 0; i < a.Length; i++)
        {
            if (AsciiLower(a[i]) != AsciiLower(b[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static byte[] AsciiLower(byte[] data)
    {
        var lower = (byte[])data.Clone();
        for (int i = 0; i < lower.Length; i++)
        {
            lower[i] = AsciiLower(lower[i]);
        }
        return lower;
    }

    private static byte AsciiLower(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c + ('a' - 'A')) : c;
}
