using System.Formats.Asn1;
using System.Text;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>
/// DistinguishedName on its own DER codec reads, refuses and writes Names exactly as it did on System.Formats.Asn1:
/// the oracle below is that earlier decoder (AsnReader under DER, AsnDecoder's character strings).
/// </summary>
public class DistinguishedNameDerTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static readonly UTF32Encoding StrictUtf32 =
        new(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true);

    /// <summary><see cref="DistinguishedName.Canonical"/> as it was computed on System.Formats.Asn1.</summary>
    private static string? OracleCanonical(byte[] der)
    {
        try
        {
            var name = new AsnReader(der, AsnEncodingRules.DER);
            var sequence = name.ReadSequence();
            name.ThrowIfNotEmpty();
            var key = new StringBuilder();
            while (sequence.HasData)
            {
                var set = sequence.ReadSetOf(skipSortOrderValidation: true);
                var attributes = new List<string>();
                while (set.HasData)
                {
                    var atv = set.ReadSequence();
                    string oid = atv.ReadObjectIdentifier();
                    byte[] encoded = atv.ReadEncodedValue().ToArray();
                    atv.ThrowIfNotEmpty();
                    attributes.Add(oid + (OracleText(encoded) is { } t
                        ? "=" + Convert.ToHexString(Encoding.UTF8.GetBytes(DistinguishedName.Prepare(t)))
                        : "#" + Convert.ToHexString(encoded)));
                }
                if (attributes.Count == 0)
                {
                    return null;
                }
                attributes.Sort(StringComparer.Ordinal);
                key.Append(key.Length == 0 ? "" : ",").AppendJoin('+', attributes);
            }
            return key.ToString();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static string? OracleText(byte[] encoded)
    {
        var tag = Asn1Tag.Decode(encoded, out _);
        var type = (UniversalTagNumber)tag.TagValue;
        if (tag.TagClass != TagClass.Universal || tag.IsConstructed || type is not (UniversalTagNumber.UTF8String
            or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String or UniversalTagNumber.BMPString
            or UniversalTagNumber.VisibleString or UniversalTagNumber.NumericString or UniversalTagNumber.T61String
            or UniversalTagNumber.UniversalString))
        {
            return null;
        }
        try
        {
            if (type == UniversalTagNumber.UniversalString)
            {
                AsnDecoder.ReadEncodedValue(encoded, AsnEncodingRules.BER, out int offset, out int length, out _);
                return StrictUtf32.GetString(encoded, offset, length);
            }
            return AsnDecoder.ReadCharacterString(encoded, AsnEncodingRules.DER, type, out _);
        }
        catch (Exception e) when (e is AsnContentException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>A Name with every string type, a T61String only Latin-1 reads, multi-valued RDNs, a 2^127 arc, and
    /// values that are no character string (one with a high tag number).</summary>
    private static byte[] RichName()
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        void Attribute(string oid, Action<AsnWriter> value)
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(oid);
                value(w);
            }
        }
        using (w.PushSequence())
        {
            using (w.PushSetOf())
            {
                Attribute("2.5.4.6", v => v.WriteCharacterString(UniversalTagNumber.PrintableString, "CH"));
            }
            using (w.PushSetOf())
            {
                Attribute("2.5.4.10", v => v.WriteCharacterString(UniversalTagNumber.UTF8String, "Example, Inc"));
                Attribute("2.5.4.11", v => v.WriteCharacterString(UniversalTagNumber.BMPString, "Lab"));
                Attribute("2.25.170141183460469231731687303715884105728", v => v.WriteEncodedValue(H("0c0178")));
            }
            using (w.PushSetOf())
            {
                Attribute("2.5.4.3", v => v.WriteEncodedValue(H("1402e941")));
                Attribute("2.5.4.7", v => v.WriteEncodedValue(H("1c08 0000005a 000000fc")));
            }
            using (w.PushSetOf())
            {
                Attribute("1.2.840.113549.1.9.1", v => v.WriteCharacterString(UniversalTagNumber.IA5String, "a@b"));
                Attribute("2.5.4.5", v => v.WriteCharacterString(UniversalTagNumber.NumericString, "123 45"));
                Attribute("2.5.4.12", v => v.WriteCharacterString(UniversalTagNumber.VisibleString, "Vis"));
            }
            using (w.PushSetOf())
            {
                Attribute("2.5.4.72", v => v.WriteEncodedValue(H("3003020105")));
                Attribute("2.5.4.73", v => v.WriteEncodedValue(H("1f1f00")));
                Attribute("2.5.4.4", v => v.WriteEncodedValue(H("1302415f")));
            }
        }
        return w.Encode();
    }

    [Test]
    public void ReadsTheRichNameAsBefore()
    {
        byte[] name = RichName();
        Assert.That(OracleCanonical(name), Is.Not.Null);
        Assert.That(DistinguishedName.Canonical(name), Is.EqualTo(OracleCanonical(name)));
        // each RDN in DER order (a SET OF sorts by encoding, so mostly the shorter attribute first); surname's
        // PrintableString holds '_', so it prints as UTF-8 but compares as its DER
        Assert.That(DistinguishedName.Format(name), Is.EqualTo("C=CH, OU=Lab + O=Example\\, Inc + "
            + "2.25.170141183460469231731687303715884105728=x, CN=éA + L=Zü, title=Vis + serialNumber=123 45 + E=a@b, "
            + "2.5.4.73=#1f1f00 + surname=A_ + 2.5.4.72=#3003020105"));
    }

    // CN=cpe1 is 300f 310d 300b 0603550403 0c0463706531
    [TestCase("300f310d300b06035504030c0463706531 00", TestName = "{m}(a byte after the Name)")]
    [TestCase("3010310d300b06035504030c0463706531 00", TestName = "{m}(a byte after the RDNs)")]
    [TestCase("3010310e300b06035504030c0463706531 00", TestName = "{m}(a byte after the attributes of an RDN)")]
    [TestCase("3011310f300d06035504030c0463706531 0500", TestName = "{m}(a third element in an attribute)")]
    [TestCase("3010310d300b06035504030c0463706531", TestName = "{m}(Name length beyond the data)")]
    [TestCase("300f310d300c06035504030c0463706531", TestName = "{m}(attribute length beyond its RDN)")]
    [TestCase("300f310d300b06035504030c0563706531", TestName = "{m}(value length beyond its attribute)")]
    [TestCase("30810f310d300b06035504030c0463706531", TestName = "{m}(non-minimal Name length)")]
    [TestCase("3010310e300c06035504030c810463706531", TestName = "{m}(non-minimal value length)")]
    [TestCase("3080310d300b06035504030c0463706531 0000", TestName = "{m}(indefinite Name length)")]
    [TestCase("3011310f3080 06035504030c0463706531 0000", TestName = "{m}(indefinite attribute length)")]
    [TestCase("3010310e300c 0604558004030c0463706531", TestName = "{m}(OID arc with a leading 0x80)")]
    [TestCase("300d310b3009 060182 0c0463706531", TestName = "{m}(OID cut inside an arc)")]
    [TestCase("30023100", TestName = "{m}(an empty RDN)")]
    [TestCase("100f310d300b06035504030c0463706531", TestName = "{m}(primitive SEQUENCE)")]
    [TestCase("300f110d300b06035504030c0463706531", TestName = "{m}(primitive SET)")]
    [TestCase("300f300d300b06035504030c0463706531", TestName = "{m}(SEQUENCE where the SET belongs)")]
    [TestCase("300f310d310b06035504030c0463706531", TestName = "{m}(SET where the attribute SEQUENCE belongs)")]
    [TestCase("300f310d300b26035504030c0463706531", TestName = "{m}(constructed OID)")]
    [TestCase("300f310d300b0c035504030c0463706531", TestName = "{m}(a string where the OID belongs)")]
    [TestCase("3009310730050603550403", TestName = "{m}(an attribute without a value)")]
    [TestCase("300d310b30090603550403 0000 0000", TestName = "{m}(end of contents as value: fine, then trailing)")]
    [TestCase("300c310a30080603550403 1f1e00", TestName = "{m}(value with the high tag form for 30)")]
    [TestCase("", TestName = "{m}(nothing)")]
    [TestCase("31023000", TestName = "{m}(a SET, not a Name)")]
    public void RefusesMalformedNamesAsBefore(string hex)
    {
        byte[] der = H(hex);
        Assert.That(OracleCanonical(der), Is.Null, "System.Formats.Asn1 read it");
        Assert.That(DistinguishedName.Canonical(der), Is.Null);
        Assert.That(DistinguishedName.Format(der), Is.Null);
        Assert.That(DistinguishedName.Equal(der, H("300f310d300b06035504030c0463706531")), Is.False);
    }

    [TestCase("3000", "")]
    [TestCase("300f310d300b06035504030c0463706531", "CN=cpe1")]
    [TestCase("300c310a30080603550403 1f1f00", "CN=#1f1f00", TestName = "{m}(value with a high tag number)")]
    [TestCase("300e310c300a0603550403 3f81230100", "CN=#3f81230100", TestName = "{m}(constructed high tag value)")]
    [TestCase("300b310930070603550403 0000", "CN=#0000", TestName = "{m}(end of contents as value)")]
    [TestCase("300e310c300a0603550403 3003010203", "CN=#3003010203",
        TestName = "{m}(contents of a value not looked into)")]
    [TestCase("300d310b30090603550403 2c024142", "CN=#2c024142", TestName = "{m}(constructed UTF8String)")]
    [TestCase("300d310b30090603550403 4c024142", "CN=#4c024142", TestName = "{m}(application class tag 12)")]
    [TestCase("300f310d300b0603550413 0c0463706531", "2.5.4.19=cpe1", TestName = "{m}(unknown OID)")]
    [TestCase("301d311b3019 0614 5283" + "ffffffffffffffffffffffffffffffffff" + "7f 0c0161",
        "2.2.340282366920938463463374607431768211455=a", TestName = "{m}(arc of 2^128 - 1)")]
    [TestCase("3016311430080603550403 0c0162 3008 06035504030c0161", "CN=b + CN=a", TestName = "{m}(unsorted SET OF)")]
    public void ReadsOddButValidNamesAsBefore(string hex, string text)
    {
        byte[] der = H(hex);
        Assert.That(OracleCanonical(der), Is.Not.Null, "System.Formats.Asn1 refused it");
        Assert.That(DistinguishedName.Canonical(der), Is.EqualTo(OracleCanonical(der)));
        Assert.That(DistinguishedName.Format(der), Is.EqualTo(text));
    }

    private static readonly byte[] Interesting = [0x00, 0x1f, 0x30, 0x31, 0x7f, 0x80, 0x81, 0xff];

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void ReadsMutatedNamesAsBefore(int seed)
    {
        var random = new Random(seed);
        byte[] name = RichName();
        int read = 0;
        for (int n = 0; n < 4000; n++)
        {
            var m = new List<byte>(name);
            for (int e = random.Next(1, 3); e > 0 && m.Count > 0; e--)
            {
                int at = random.Next(m.Count);
                switch (random.Next(6))
                {
                    case 0: m[at] ^= (byte)(1 << random.Next(8)); break;
                    case 1: m[at] = (byte)random.Next(256); break;
                    case 2: m[at] = Interesting[random.Next(Interesting.Length)]; break;
                    case 3: m.Insert(at, (byte)random.Next(256)); break;
                    case 4: m.RemoveAt(at); break;
                    default: m.RemoveRange(at, m.Count - at); break;
                }
            }
            byte[] mutated = [.. m];
            string? expected = OracleCanonical(mutated);
            Assert.That(DistinguishedName.Canonical(mutated), Is.EqualTo(expected), Convert.ToHexString(mutated));
            Assert.That(DistinguishedName.Format(mutated) is null, Is.EqualTo(expected is null));
            read += expected is null ? 0 : 1;
        }
        Assert.That(read, Is.GreaterThan(200), "enough mutations still Names");
    }

    private static readonly (string Type, string Oid)[] Types =
    [
        ("C", "2.5.4.6"), ("O", "2.5.4.10"), ("OU", "2.5.4.11"), ("CN", "2.5.4.3"), ("E", "1.2.840.113549.1.9.1"),
        ("DC", "0.9.2342.19200300.100.1.25"), ("serialNumber", "2.5.4.5"), ("dnQualifier", "2.5.4.46"),
        ("1.2.99999999999999999999", "1.2.99999999999999999999"),
        ("2.25.18446744073709551616", "2.25.18446744073709551616"),
    ];

    private static bool IsPrintable(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || " '()+,-./:=?".Contains(c));

    /// <summary>The string type TryParse documents: PrintableString for C, serialNumber and dnQualifier, IA5String for
    /// E and DC, where their characters allow; UTF8String otherwise.</summary>
    private static UniversalTagNumber StringType(string oid, string value) => oid switch
    {
        "2.5.4.6" or "2.5.4.5" or "2.5.4.46" when IsPrintable(value) => UniversalTagNumber.PrintableString,
        "1.2.840.113549.1.9.1" or "0.9.2342.19200300.100.1.25" when value.All(char.IsAscii) =>
            UniversalTagNumber.IA5String,
        _ => UniversalTagNumber.UTF8String,
    };

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void WritesRandomNamesAsAsnWriterDid(int seed)
    {
        var random = new Random(seed);
        const string Alphabet = "aZ09 ,+\"\\<>;#=_-.'()/:?é€😀\n";
        for (int n = 0; n < 500; n++)
        {
            var w = new AsnWriter(AsnEncodingRules.DER);
            using (w.PushSequence())
            {
                for (int r = random.Next(1, 5); r > 0; r--)
                {
                    using (w.PushSetOf())
                    {
                        for (int a = random.Next(1, 5); a > 0; a--)
                        {
                            var (_, oid) = Types[random.Next(Types.Length)];
                            var value = new StringBuilder();
                            for (int i = random.Next(5) == 0 ? random.Next(120, 200) : random.Next(0, 8); i > 0; i--)
                            {
                                int c = random.Next(Alphabet.Length);
                                value.Append(char.IsHighSurrogate(Alphabet[c]) ? Alphabet.Substring(c, 2)
                                    : char.IsLowSurrogate(Alphabet[c]) ? "x" : Alphabet[c].ToString());
                            }
                            using (w.PushSequence())
                            {
                                w.WriteObjectIdentifier(oid);
                                w.WriteCharacterString(StringType(oid, value.ToString()), value.ToString());
                            }
                        }
                    }
                }
            }
            byte[] expected = w.Encode();
            string text = DistinguishedName.Format(expected)!;
            Assert.That(DistinguishedName.TryParse(text, out var der, out var problem), Is.True, $"{text}: {problem}");
            Assert.That(Convert.ToHexString(der!), Is.EqualTo(Convert.ToHexString(expected)), text);
        }
    }

    [TestCase("CN=#0c0161", "300C310A300806035504030C0161")]
    [TestCase("CN=#1f1f00", "300C310A300806035504031F1F00")]
    [TestCase("CN=#3003010203", "300E310C300A060355040330030102" + "03")]
    [TestCase("CN=#300404810100", "300F310D300B0603550403300404810100", TestName = "{m}(BER inside a DER element)")]
    public void WritesHexValuesAsBefore(string text, string hex)
    {
        Assert.That(DistinguishedName.TryParse(text, out var der, out var problem), Is.True, problem);
        Assert.That(Convert.ToHexString(der!), Is.EqualTo(hex));
    }

    /// <summary>On System.Formats.Asn1 these threw ArgumentException out of TryParse (AsnWriter refused what the checks
    /// before it let through); now TryParse says why.</summary>
    [TestCase("CN=#308004000000", "is not the hex of one BER value with DER lengths",
        TestName = "{m}(indefinite length)")]
    [TestCase("CN=#04810100", "is not the hex of one BER value with DER lengths",
        TestName = "{m}(non-minimal length)")]
    [TestCase("2.5.4.03=x", "unknown attribute type '2.5.4.03'", TestName = "{m}(OID arc with a leading zero)")]
    [TestCase("1.05=x", "unknown attribute type '1.05'", TestName = "{m}(second arc with a leading zero)")]
    public void RefusesWhatAsnWriterThrewOn(string text, string problem)
    {
        Assert.That(DistinguishedName.TryParse(text, out _, out var why), Is.False);
        Assert.That(why, Does.Contain(problem));
    }
}
