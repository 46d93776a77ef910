using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ParsedAttribute = (string Oid, string? Text, byte[]? Raw);

namespace Mpsa.Ike.Wire;

/// <summary>
/// X.501 Names: ID_DER_ASN1_DN (RFC 7296 §3.5) and certificate subjects. Names are compared decoded, RDN by RDN, as
/// RFC 5280 §7.1 says (never as text, where a value may hold a comma): <see cref="Equal"/>. As text they are written
/// in DER order as strongSwan writes them (<c>C=CH, O=Example, CN=cpe1</c>), with RFC 4514's escapes
/// (<c>O=Example\, Inc</c>); <see cref="TryParse"/> also reads RFC 1779's quotes (<c>O="Example, Inc"</c>).
/// Our own DER codec (<see cref="DerReader"/>, <see cref="DerWriter"/>; no libssl, no .NET ASN.1 library), so a
/// PSK-only daemon can read and print whatever DN a peer sends.
/// </summary>
public static class DistinguishedName
{
    private static readonly (string Name, string Oid)[] Types =
    [
        ("C", "2.5.4.6"), ("ST", "2.5.4.8"), ("L", "2.5.4.7"), ("O", "2.5.4.10"), ("OU", "2.5.4.11"), ("CN", "2.5.4.3"),
        ("serialNumber", "2.5.4.5"), ("E", "1.2.840.113549.1.9.1"), ("DC", "0.9.2342.19200300.100.1.25"),
        ("UID", "0.9.2342.19200300.100.1.1"), ("STREET", "2.5.4.9"), ("title", "2.5.4.12"), ("surname", "2.5.4.4"),
        ("givenName", "2.5.4.42"), ("initials", "2.5.4.43"), ("generationQualifier", "2.5.4.44"),
        ("dnQualifier", "2.5.4.46"), ("pseudonym", "2.5.4.65"), ("postalCode", "2.5.4.17"),
    ];

    private static readonly Dictionary<string, string> NameOf = NamesByOid();

    private static readonly Dictionary<string, string> OidOf = OidsByName();

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private static Dictionary<string, string> NamesByOid()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, oid) in Types)
        {
            map.Add(oid, name);
        }
        return map;
    }

    /// <summary>Also reads "emailAddress" (written as E).</summary>
    private static Dictionary<string, string> OidsByName()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, oid) in Types)
        {
            map.Add(name, oid);
        }
        map.Add("emailAddress", "1.2.840.113549.1.9.1");
        return map;
    }

    /// <summary>One AttributeTypeAndValue: its type, its value as text when that is a valid character string, and the
    /// value's DER.</summary>
    private sealed record Attribute(string Oid, string? Text, byte[] Encoded);

    /// <summary>The DN as text, or null when the DER is not a Name.</summary>
    public static string? Format(ReadOnlySpan<byte> der)
    {
        if (Decode(der) is not { } rdns)
        {
            return null;
        }
        var text = new StringBuilder();
        foreach (var rdn in rdns)
        {
            text.Append(text.Length == 0 ? "" : ", ");
            for (int i = 0; i < rdn.Length; i++)
            {
                var a = rdn[i];
                text.Append(i == 0 ? "" : " + ").Append(NameOf.TryGetValue(a.Oid, out var n) ? n : a.Oid).Append('=');
                if ((a.Text ?? LenientText(a.Encoded)) is { } value)
                {
                    AppendEscaped(text, value);
                }
                else
                {
                    text.Append('#').Append(Convert.ToHexStringLower(a.Encoded));
                }
            }
        }
        return text.ToString();
    }

    /// <summary>The text of a DER Name, or <c>#hex</c> when it is not one.</summary>
    public static string FormatOrHex(ReadOnlySpan<byte> der) => Format(der) ?? "#" + Convert.ToHexStringLower(der);

    /// <summary>
    /// RFC 5280 §7.1: the same number of RDNs, in the same order; each RDN the same set of attributes; each pair of the
    /// same type (OID) and value, where character strings compare after RFC 4518's preparation (case folded,
    /// insignificant spaces removed, whatever string type carried them) and other values by their DER.
    /// A Name that does not decode equals only the same bytes.
    /// </summary>
    public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        a.SequenceEqual(b) || (Canonical(a) is { } x && Canonical(b) is { } y && x == y);

    /// <summary>
    /// A key that two Names share exactly when <see cref="Equal"/> holds (for dictionaries); null when the DER is not a
    /// Name. Prepared values are hex, so no value can be mistaken for the separators.
    /// </summary>
    public static string? Canonical(ReadOnlySpan<byte> der)
    {
        if (Decode(der) is not { } rdns)
        {
            return null;
        }
        var key = new StringBuilder();
        foreach (var rdn in rdns)
        {
            var attributes = Array.ConvertAll(rdn, a => a.Oid + (a.Text is { } t
                ? "=" + Convert.ToHexString(Encoding.UTF8.GetBytes(Prepare(t)))
                : "#" + Convert.ToHexString(a.Encoded)));
            Array.Sort(attributes, StringComparer.Ordinal);
            key.Append(key.Length == 0 ? "" : ",").AppendJoin('+', attributes);
        }
        return key.ToString();
    }

    /// <summary>
    /// Reads a DN written as <see cref="Format"/> writes it (DER order, RFC 4514 escapes and <c>#hex</c> values) or with
    /// RFC 1779 quotes, blanks allowed around <c>,</c> <c>+</c> <c>=</c>, into its DER (UTF8String values; PrintableString
    /// for C, serialNumber and dnQualifier, IA5String for E and DC where their characters allow). Attribute types are
    /// the names above or dotted OIDs.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out byte[]? der, [NotNullWhen(false)] out string? problem)
    {
        der = null;
        var rdns = new List<List<ParsedAttribute>>();
        var rdn = new List<ParsedAttribute>();
        int i = 0;
        while (true)
        {
            int at = i;
            if (!TryParseAttribute(text, ref i, out var attribute, out problem))
            {
                return false;
            }
            rdn.Add(attribute);
            SkipBlanks(text, ref i);
            if (i == text.Length)
            {
                rdns.Add(rdn);
                break;
            }
            if (text[i] == ',')
            {
                rdns.Add(rdn);
                rdn = [];
            }
            else if (text[i] != '+')
            {
                problem = $"expected ',' or '+' after '{text[at..i].Trim()}', found '{text[i..]}'";
                return false;
            }
            i++;
        }
        var writer = new DerWriter();
        using (writer.PushSequence())
        {
            foreach (var r in rdns)
            {
                using (writer.PushSetOf())
                {
                    foreach (var (oid, value, raw) in r)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            if (raw is not null)
                            {
                                writer.WriteEncodedValue(raw);
                            }
                            else
                            {
                                writer.WriteCharacterString(StringTypeFor(oid, value!), value!);
                            }
                        }
                    }
                }
            }
        }
        der = writer.Encode();
        problem = null;
        return true;
    }

    /// <summary>
    /// RFC 4518 §2 string preparation for caseIgnoreMatch, as RFC 5280 §7.1 asks: map (soft hyphen, joiners, variation
    /// selectors and controls to nothing; tabs, line breaks and every Unicode space to SPACE), fold case (Unicode simple
    /// case mapping), normalize (NFKC: under the daemons' invariant globalization .NET leaves non-ASCII text as it is,
    /// so a compatibility form such as a fullwidth letter stays itself), then drop leading and trailing spaces and
    /// collapse runs of spaces to one. The prohibit and bidi steps are left out: they only make names unequal.
    /// </summary>
    internal static string Prepare(string value)
    {
        var mapped = new StringBuilder(value.Length);
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in value.EnumerateRunes())
        {
            int c = rune.Value;
            if (c is 0xad or 0x34f or 0x1806 or (>= 0x180b and <= 0x180d) or (>= 0xfe00 and <= 0xfe0f) or 0xfffc or 0x200b
                or (<= 0x08) or (>= 0x0e and <= 0x1f) or (>= 0x7f and <= 0x84) or (>= 0x86 and <= 0x9f))
            {
                continue;
            }
            if (c is (>= 0x09 and <= 0x0d) or 0x85 || Rune.GetUnicodeCategory(rune) is UnicodeCategory.SpaceSeparator
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                mapped.Append(' ');
                continue;
            }
            mapped.Append(utf16[..Rune.ToLowerInvariant(Rune.ToUpperInvariant(rune)).EncodeToUtf16(utf16)]);
        }
        string folded = mapped.ToString();
        if (!Ascii.IsValid(folded))
        {
            try
            {
                folded = folded.Normalize(NormalizationForm.FormKC).ToUpperInvariant().ToLowerInvariant();
            }
            catch (PlatformNotSupportedException)
            {
                // no normalization tables: compare the folded text as it is
            }
        }
        var spaced = new StringBuilder(folded.Length);
        foreach (string word in folded.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            spaced.Append(spaced.Length == 0 ? "" : " ").Append(word);
        }
        return spaced.ToString();
    }

    /// <summary>The RDNs of a DER Name, or null when it is not one.</summary>
    private static List<Attribute[]>? Decode(ReadOnlySpan<byte> der)
    {
        try
        {
            var name = new DerReader(der);
            var sequence = name.ReadSequence();
            name.ExpectEnd("Name");
            var rdns = new List<Attribute[]>();
            while (sequence.HasData)
            {
                // RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue (RFC 5280 §4.1.2.4)
                var set = sequence.ReadSetOf();
                var rdn = new List<Attribute>();
                while (set.HasData)
                {
                    var atv = set.ReadSequence();
                    string oid = atv.ReadObjectIdentifier();
                    byte[] encoded = atv.ReadEncodedValue().ToArray();
                    atv.ExpectEnd("AttributeTypeAndValue");
                    rdn.Add(new Attribute(oid, StrictText(encoded), encoded));
                }
                if (rdn.Count == 0)
                {
                    return null;
                }
                rdns.Add([.. rdn]);
            }
            return rdns;
        }
        catch (IkeParseException)
        {
            return null;
        }
    }

    /// <summary>The value as text when it is a character string whose content its type allows; otherwise null.</summary>
    private static string? StrictText(byte[] encoded) =>
        IsCharacterString(encoded) ? DerCharacterString.Decode(encoded[0], Contents(encoded)) : null;

    /// <summary>For printing only: a character string with characters its type forbids (a PrintableString with '_'
    /// is common), read as UTF-8.</summary>
    private static string? LenientText(byte[] encoded) =>
        IsCharacterString(encoded) ? Encoding.UTF8.GetString(Contents(encoded)) : null;

    /// <summary>The contents octets of a value (its tag and length read already, so they are well formed).</summary>
    private static ReadOnlySpan<byte> Contents(byte[] encoded) => DerReader.ContentsOf(encoded);

    /// <summary>A universal, primitive character string type: all have one-octet tags.</summary>
    private static bool IsCharacterString(byte[] encoded) => DerCharacterString.IsStringTag(encoded[0]);

    /// <summary>RFC 4514 §2.4: the specials and a leading '#' or blank, a trailing blank; and, as hex pairs of their UTF-8,
    /// the characters <see cref="PeerText"/> escapes, so a DN printed on a log line stays on it.</summary>
    private static void AppendEscaped(StringBuilder text, string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool special = c is '"' or '+' or ',' or ';' or '<' or '>' or '\\';
            if (special || (i == 0 && c is '#' or ' ') || (i == value.Length - 1 && c == ' '))
            {
                text.Append('\\').Append(c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
            }
            else if (PeerText.IsUnsafe(c))
            {
                foreach (byte b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    text.Append('\\').Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                text.Append(c);
            }
        }
    }

    private static bool TryParseAttribute(string text, ref int i, out ParsedAttribute attribute,
        [NotNullWhen(false)] out string? problem)
    {
        attribute = default;
        int eq = text.IndexOf('=', i);
        if (eq < 0)
        {
            problem = $"'{text[i..].Trim()}' is not TYPE=VALUE";
            return false;
        }
        string type = text[i..eq].Trim();
        if (type.StartsWith("OID.", StringComparison.OrdinalIgnoreCase))
        {
            type = type[4..];
        }
        if (!OidOf.TryGetValue(type, out var oid))
        {
            if (!IsDottedOid(type))
            {
                string known = KnownTypeNames();
                problem = $"unknown attribute type '{type}' (known: {known}; or a dotted OID)";
                return false;
            }
            oid = type;
        }
        i = eq + 1;
        SkipBlanks(text, ref i);
        if (i < text.Length && text[i] == '#')
        {
            return TryParseHexValue(text, ref i, oid, out attribute, out problem);
        }
        var bytes = new List<byte>();
        int keep = 0;   // bytes up to the last that is not an unescaped trailing blank
        bool quoted = i < text.Length && text[i] == '"';
        if (quoted)
        {
            i++;
        }
        while (true)
        {
            if (i == text.Length)
            {
                if (quoted)
                {
                    problem = $"unterminated quoted value of {type}";
                    return false;
                }
                break;
            }
            char c = text[i];
            if (quoted && c == '"')
            {
                i++;
                keep = bytes.Count;
                break;
            }
            if (!quoted && c is ',' or '+')
            {
                break;
            }
            if (c == '\\')
            {
                if (!TryUnescape(text, ref i, bytes, out problem))
                {
                    return false;
                }
                keep = bytes.Count;
                continue;
            }
            if (!quoted && c is '"' or ';' or '<' or '>')
            {
                problem = $"'{c}' in the value of {type} must be escaped (\\{c}) or the value quoted";
                return false;
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1)));
            i += char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
            if (c != ' ' || quoted)
            {
                keep = bytes.Count;
            }
        }
        try
        {
            attribute = (oid, StrictUtf8.GetString(CollectionsMarshal.AsSpan(bytes)[..keep]), null);
        }
        catch (DecoderFallbackException)
        {
            problem = $"the value of {type} is not UTF-8 (its \\XX escapes)";
            return false;
        }
        problem = null;
        return true;
    }

    /// <summary>RFC 4514 §3 <c>pair</c>: a backslash and one of the specials, a blank, '#', '=' or itself; or two hex
    /// digits (one byte of UTF-8).</summary>
    private static bool TryUnescape(string text, ref int i, List<byte> bytes, [NotNullWhen(false)] out string? problem)
    {
        if (i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
        {
            bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            i += 3;
            problem = null;
            return true;
        }
        if (i + 1 < text.Length && text[i + 1] is '"' or '+' or ',' or ';' or '<' or '>' or '\\' or ' ' or '#' or '=')
        {
            bytes.Add((byte)text[i + 1]);
            i += 2;
            problem = null;
            return true;
        }
        problem = $"bad escape '{text[i..Math.Min(text.Length, i + 3)]}' (escape one of \",+;<>\\ #= or write two hex digits)";
        return false;
    }

    /// <summary>RFC 4514 §2.4 <c>#hexstring</c>: the value's BER, one whole element, whose identifier and length octets
    /// are DER (the Name is DER: no indefinite or padded lengths), written as it is.</summary>
    private static bool TryParseHexValue(string text, ref int i, string oid, out ParsedAttribute attribute,
        [NotNullWhen(false)] out string? problem)
    {
        attribute = default;
        int start = ++i;
        while (i < text.Length && Uri.IsHexDigit(text[i]))
        {
            i++;
        }
        try
        {
            byte[] raw = Convert.FromHexString(text.AsSpan(start, i - start));
            if (DerReader.IsOneElement(raw))
            {
                attribute = (oid, null, raw);
                problem = null;
                return true;
            }
        }
        catch (FormatException)
        {
            // reported below
        }
        problem = $"'#{text[start..i]}' is not the hex of one BER value with DER lengths";
        return false;
    }

    private static byte StringTypeFor(string oid, string value) => oid switch
    {
        "2.5.4.6" or "2.5.4.5" or "2.5.4.46" when DerCharacterString.CanEncode(DerTag.PrintableString, value) =>
            DerTag.PrintableString,
        "1.2.840.113549.1.9.1" or "0.9.2342.19200300.100.1.25" when Ascii.IsValid(value) => DerTag.IA5String,
        _ => DerTag.UTF8String,
    };

    /// <summary>X.660 arcs: the first 0, 1 or 2; under 0 and 1 the second below 40; each a number without leading
    /// zeros.</summary>
    private static bool IsDottedOid(string text)
    {
        var arcs = text.Split('.');
        return arcs.Length >= 2 && Array.TrueForAll(arcs, a => a.Length is > 0 and <= 20
                && !a.AsSpan().ContainsAnyExceptInRange('0', '9') && (a.Length == 1 || a[0] != '0'))
            && arcs[0] is "0" or "1" or "2" && (arcs[0] == "2" || arcs[1].Length == 1 || (arcs[1].Length == 2 && arcs[1][0] < '4'));
    }

    /// <summary>"C, ST, L, ...": a loop, not Array.ConvertAll over the tuples, whose delegate type would make NativeAOT
    /// keep its runtime type loader in the agent.</summary>
    private static string KnownTypeNames()
    {
        var names = new string[Types.Length];
        for (int i = 0; i < Types.Length; i++)
        {
            names[i] = Types[i].Name;
        }
        return string.Join(", ", names);
    }

    private static void SkipBlanks(string text, ref int i)
    {
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }
    }
}
