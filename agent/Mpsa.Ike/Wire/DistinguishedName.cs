using System.Formats.Asn1;

namespace Mpsa.Ike.Wire;

/// <summary>
/// ID_DER_ASN1_DN (RFC 7296 §3.5) as text, in DER order as strongSwan writes it: <c>C=CH, O=Example, CN=cpe1</c>.
/// Managed ASN.1 only (no libssl), so a PSK-only daemon can print whatever DN a peer sends.
/// </summary>
public static class DistinguishedName
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["2.5.4.6"] = "C", ["2.5.4.8"] = "ST", ["2.5.4.7"] = "L", ["2.5.4.10"] = "O", ["2.5.4.11"] = "OU",
        ["2.5.4.3"] = "CN", ["2.5.4.5"] = "serialNumber", ["1.2.840.113549.1.9.1"] = "E", ["0.9.2342.19200300.100.1.25"] = "DC",
    };

    /// <summary>The DN as text, or null when the DER is not a Name.</summary>
    public static string? Format(ReadOnlySpan<byte> der)
    {
        try
        {
            var parts = new List<string>();
            var name = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var rdns = name.ReadSequence();
            name.ThrowIfNotEmpty();
            while (rdns.HasData)
            {
                var set = rdns.ReadSetOf();
                var values = new List<string>();
                while (set.HasData)
                {
                    var atv = set.ReadSequence();
                    string oid = atv.ReadObjectIdentifier();
                    string value = ReadValue(atv);
                    atv.ThrowIfNotEmpty();
                    values.Add($"{(Names.TryGetValue(oid, out var n) ? n : oid)}={value}");
                }
                parts.Add(string.Join(" + ", values));
            }
            return string.Join(", ", parts);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>Text that looks like a DN (<c>K=V, K=V</c>) in the spacing <see cref="Format"/> uses; null otherwise.</summary>
    public static string? Normalize(string text)
    {
        var parts = text.Split(',');
        var normalized = new string[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || parts[i][..eq].Trim().Length == 0 || parts[i][..eq].Contains('@', StringComparison.Ordinal))
            {
                return null;
            }
            normalized[i] = $"{parts[i][..eq].Trim()}={parts[i][(eq + 1)..].Trim()}";
        }
        return string.Join(", ", normalized);
    }

    private static string ReadValue(AsnReader r)
    {
        var tag = r.PeekTag();
        if (tag.TagClass == TagClass.Universal)
        {
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                    or UniversalTagNumber.BMPString or UniversalTagNumber.VisibleString:
                    return r.ReadCharacterString((UniversalTagNumber)tag.TagValue);
            }
        }
        return "#" + Convert.ToHexStringLower(r.ReadEncodedValue().Span);
    }

    /// <summary>The text of a DER Name, or <c>#hex</c> when it is not one.</summary>
    public static string FormatOrHex(ReadOnlySpan<byte> der) => Format(der) ?? "#" + Convert.ToHexStringLower(der);
}
