using System.Formats.Asn1;
using System.Numerics;
using System.Text;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>
/// Our DER reader and writer (<see cref="DerReader"/>, <see cref="DerWriter"/>, <see cref="DerObjectIdentifier"/>,
/// <see cref="DerCharacterString"/>) against System.Formats.Asn1 under DER rules, which DistinguishedName used before
/// them: every input here must be read, refused or written the same way by both.
/// </summary>
public class DerCodecTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>What our reader makes of an OBJECT IDENTIFIER element; null when it refuses it.</summary>
    private static string? OurOid(byte[] element)
    {
        try
        {
            var reader = new DerReader(element);
            string oid = reader.ReadObjectIdentifier();
            reader.ExpectEnd("test");
            return oid;
        }
        catch (IkeParseException)
        {
            return null;
        }
    }

    private static string? TheirOid(byte[] element)
    {
        try
        {
            string oid = AsnDecoder.ReadObjectIdentifier(element, AsnEncodingRules.DER, out int consumed);
            return consumed == element.Length ? oid : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>An element of a one-octet tag around any contents, its length written by AsnWriter (which refuses
    /// universal tags that do not match the method, so the tag goes in afterwards).</summary>
    private static byte[] Element(byte tag, ReadOnlySpan<byte> contents)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteOctetString(contents, new Asn1Tag(TagClass.ContextSpecific, 0));
        byte[] element = w.Encode();
        element[0] = tag;
        return element;
    }

    private static byte[] OidElement(ReadOnlySpan<byte> contents) => Element(0x06, contents);

    private static byte[] TheirOidEncoding(string dotted)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteObjectIdentifier(dotted);
        return w.Encode();
    }

    private static string Arcs(int count) => "1.2" + string.Concat(Enumerable.Repeat(".7", count - 2));

    private static readonly string[] Oids =
    [
        "0.0", "0.39", "1.0", "1.39", "2.0", "2.39", "2.40", "2.47", "2.48", "2.127", "2.128", "2.999.3",
        "2.5.4.3", "2.5.4.6", "1.2.840.113549.1.9.1", "0.9.2342.19200300.100.1.25", "1.3.6.1.4.1.311.60.2.1.1",
        "1.2.127", "1.2.128", "1.2.16383", "1.2.16384", "1.2.4294967295", "1.2.4294967296",
        "1.2.9223372036854775807", "1.2.9223372036854775808", "1.2.18446744073709551615", "1.2.18446744073709551616",
        "1.2.99999999999999999999", "2.99999999999999999999", "2.99999999999999999999.99999999999999999999",
        // the first subidentifier at 2^63 - 1 and 2^63 (where AsnReader goes from long to BigInteger)
        "2.9223372036854775727", "2.9223372036854775728",
        // a UUID under 2.25 (X.667), and arcs at 2^127 - 1 and 2^128 - 1, the largest it reads
        "2.25.329800735698586629295641978511506172918", "1.2.170141183460469231731687303715884105727",
        "1.2.340282366920938463463374607431768211455", "2.340282366920938463463374607431768211375",
        Arcs(63), Arcs(64),
    ];

    [TestCaseSource(nameof(Oids))]
    public void ReadsAndWritesObjectIdentifiersLikeSystemFormatsAsn1(string dotted)
    {
        byte[] theirs = TheirOidEncoding(dotted);
        var writer = new DerWriter();
        writer.WriteObjectIdentifier(dotted);
        Assert.That(Convert.ToHexString(writer.Encode()), Is.EqualTo(Convert.ToHexString(theirs)));
        Assert.That(TheirOid(theirs), Is.EqualTo(dotted));
        Assert.That(OurOid(theirs), Is.EqualTo(dotted));
    }

    [Test]
    public void EncodesTheX690ExampleOid()
    {
        // X.690 §8.19.5: {2 999 3} is 06 03 88 37 03 (2·40 + 999 = 1079 = 0x88 0x37)
        var writer = new DerWriter();
        writer.WriteObjectIdentifier("2.999.3");
        Assert.That(writer.Encode(), Is.EqualTo(H("0603 883703")));
        Assert.That(OurOid(H("0603 883703")), Is.EqualTo("2.999.3"));
    }

    private static byte[] BigArc(byte first, int octets) =>
        [first, .. Enumerable.Repeat((byte)0xff, octets - 2), 0x7f];

    private static IEnumerable<TestCaseData> BadOids()
    {
        yield return new TestCaseData(H("0600")).SetName("{m}(empty)");
        yield return new TestCaseData(H("0603 2a8001")).SetName("{m}(arc with a leading 0x80)");
        yield return new TestCaseData(H("0602 8001")).SetName("{m}(first subidentifier with a leading 0x80)");
        yield return new TestCaseData(H("0602 2a81")).SetName("{m}(last subidentifier unterminated)");
        yield return new TestCaseData(H("0601 80")).SetName("{m}(only 0x80)");
        yield return new TestCaseData(H("2603 2a0304")).SetName("{m}(constructed)");
        yield return new TestCaseData(H("0680 2a03 0000")).SetName("{m}(indefinite length)");
        yield return new TestCaseData(H("068103 2a0304")).SetName("{m}(non-minimal length)");
        yield return new TestCaseData(H("0604 2a0304")).SetName("{m}(length beyond the data)");
        yield return new TestCaseData(H("0602 2a0304")).SetName("{m}(trailing bytes)");
        yield return new TestCaseData(H("0c03 2a0304")).SetName("{m}(not an OID)");
        // 2^128 as an arc, and as the first subidentifier: one more than AsnReader reads
        yield return new TestCaseData(OidElement([0x2a, .. BigArc(0x84, 19)])).SetName("{m}(arc of 2^128 + ...)");
        yield return new TestCaseData(OidElement([0x2a, 0x84, .. Enumerable.Repeat((byte)0x80, 17), 0x00]))
            .SetName("{m}(arc of 2^128)");
        yield return new TestCaseData(OidElement(BigArc(0x84, 19))).SetName("{m}(first subidentifier over 128 bits)");
        yield return new TestCaseData(OidElement([0x2a, .. BigArc(0x81, 20)])).SetName("{m}(arc of 134 bits)");
        yield return new TestCaseData(OidElement(Enumerable.Repeat((byte)1, 64).ToArray())).SetName("{m}(65 arcs)");
        yield return new TestCaseData(OidElement(Enumerable.Repeat((byte)1, 1000).ToArray())).SetName("{m}(1001 arcs)");
    }

    [TestCaseSource(nameof(BadOids))]
    public void RefusesObjectIdentifiersSystemFormatsAsn1Refuses(byte[] element)
    {
        Assert.That(TheirOid(element), Is.Null, "System.Formats.Asn1 reads it");
        Assert.That(OurOid(element), Is.Null);
    }

    [Test]
    public void ReadsTheLargestOidsSystemFormatsAsn1Reads()
    {
        byte[] max = OidElement([0x2a, .. BigArc(0x83, 19)]);      // an arc of 2^128 - 1
        byte[] arcs = OidElement(Enumerable.Repeat((byte)1, 63).ToArray());
        byte[] both = OidElement([.. Enumerable.Range(0, 63).SelectMany(_ => BigArc(0x83, 19))]);
        foreach (byte[] element in new[] { max, arcs, both })
        {
            Assert.That(TheirOid(element), Is.Not.Null);
            Assert.That(OurOid(element), Is.EqualTo(TheirOid(element)));
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ReadsRandomOidContentsLikeSystemFormatsAsn1(int seed)
    {
        var random = new Random(seed);
        byte[] interesting = [0x00, 0x01, 0x27, 0x28, 0x4f, 0x50, 0x7f, 0x80, 0x81, 0x83, 0x84, 0xff];
        int read = 0;
        for (int n = 0; n < 20000; n++)
        {
            var contents = new byte[random.Next(1, n % 10 == 0 ? 60 : 12)];
            for (int i = 0; i < contents.Length; i++)
            {
                contents[i] = random.Next(3) == 0
                    ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
            }
            if (random.Next(2) == 0)
            {
                contents[^1] &= 0x7f;   // more of them terminated, so more are read
            }
            byte[] element = OidElement(contents);
            string? theirs = TheirOid(element);
            Assert.That(OurOid(element), Is.EqualTo(theirs), Convert.ToHexString(contents));
            read += theirs is null ? 0 : 1;
        }
        Assert.That(read, Is.GreaterThan(2000), "enough valid OIDs among the random ones");
    }

    [TestCase(7)]
    [TestCase(8)]
    public void WritesRandomOidsLikeSystemFormatsAsn1(int seed)
    {
        var random = new Random(seed);
        for (int n = 0; n < 3000; n++)
        {
            int first = random.Next(3);
            BigInteger second = first < 2 ? random.Next(40) : RandomArc(random);
            var arcs = new List<string> { first.ToString(), second.ToString() };
            for (int i = random.Next(0, 10); i > 0; i--)
            {
                arcs.Add(RandomArc(random).ToString());
            }
            string dotted = string.Join('.', arcs);
            var writer = new DerWriter();
            writer.WriteObjectIdentifier(dotted);
            byte[] ours = writer.Encode();
            Assert.That(Convert.ToHexString(ours), Is.EqualTo(Convert.ToHexString(TheirOidEncoding(dotted))), dotted);
            Assert.That(OurOid(ours), Is.EqualTo(dotted));
        }
    }

    /// <summary>Any size up to 2^128 - 81, mostly small.</summary>
    private static BigInteger RandomArc(Random random)
    {
        int bits = random.Next(4) == 0 ? random.Next(1, 127) : random.Next(1, 20);
        var bytes = new byte[bits / 8 + 2];
        random.NextBytes(bytes);
        bytes[^1] = 0;
        return new BigInteger(bytes) % BigInteger.Pow(2, bits);
    }

    [TestCase("2.5.4.03")]
    [TestCase("1.05")]
    [TestCase("1.40")]
    [TestCase("3.1")]
    [TestCase("2")]
    [TestCase("2.")]
    [TestCase("2..5")]
    [TestCase("2.5.x")]
    [TestCase("2.5.-1")]
    [TestCase("1.2.340282366920938463463374607431768211456")]
    [TestCase("2.340282366920938463463374607431768211376")]
    public void RefusesToWriteWhatIsNoOid(string dotted)
    {
        Assert.Throws<ArgumentException>(() => new DerWriter().WriteObjectIdentifier(dotted));
        if (!dotted.Contains("340282366920938463463374607431768211", StringComparison.Ordinal))
        {
            // beyond 2^128 AsnWriter goes on (BigInteger); ours stops, and nothing in a DN gets there (20 digits
            // at most)
            Assert.Throws<ArgumentException>(() => TheirOidEncoding(dotted));
        }
    }

    /// <summary>An element's header as our reader takes it: (header, contents length), or null when refused.</summary>
    private static (int, int)? OurHeader(byte[] data)
    {
        try
        {
            return DerReader.ReadHeader(data, 0);
        }
        catch (IkeParseException)
        {
            return null;
        }
    }

    private static (int, int)? TheirHeader(byte[] data)
    {
        try
        {
            AsnDecoder.ReadEncodedValue(data, AsnEncodingRules.DER, out int offset, out int length, out _);
            return (offset, length);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    [TestCase("0500")]
    [TestCase("0401ff")]
    [TestCase("04817f", TestName = "{m}(long form below 128)")]
    [TestCase("048180", TestName = "{m}(long form for 128)")]
    [TestCase("04820080", TestName = "{m}(leading zero length octet)")]
    [TestCase("04820100", TestName = "{m}(256)")]
    [TestCase("0480", TestName = "{m}(indefinite, primitive)")]
    [TestCase("3080", TestName = "{m}(indefinite, constructed)")]
    [TestCase("3080 0000", TestName = "{m}(indefinite with end of contents)")]
    [TestCase("0485 0000000001", TestName = "{m}(five length octets)")]
    [TestCase("0484 80000000", TestName = "{m}(over int.MaxValue)")]
    [TestCase("0484 00000080", TestName = "{m}(four octets for 128)")]
    [TestCase("04ff", TestName = "{m}(reserved 0xff)")]
    [TestCase("04", TestName = "{m}(no length)")]
    [TestCase("", TestName = "{m}(nothing)")]
    [TestCase("0402 00", TestName = "{m}(contents cut short)")]
    [TestCase("1f1f00", TestName = "{m}(high tag number 31)")]
    [TestCase("1f1e00", TestName = "{m}(high tag form for 30)")]
    [TestCase("1f0000", TestName = "{m}(high tag form for 0)")]
    [TestCase("1f800100", TestName = "{m}(tag number with a leading 0x80)")]
    [TestCase("1f81800000", TestName = "{m}(tag number 16384)")]
    [TestCase("1f87ffffff7f00", TestName = "{m}(tag number int.MaxValue)")]
    [TestCase("1f88808080 0000", TestName = "{m}(tag number 2^31)")]
    [TestCase("1f8fffffff7f00", TestName = "{m}(tag number 2^32 - 1)")]
    [TestCase("1f8180808000 00", TestName = "{m}(six tag number octets)")]
    [TestCase("1f81", TestName = "{m}(tag number unterminated)")]
    [TestCase("3f1f00", TestName = "{m}(constructed high tag)")]
    [TestCase("df8123 00", TestName = "{m}(private class high tag)")]
    [TestCase("ff7f00", TestName = "{m}(private constructed 127)")]
    [TestCase("0000", TestName = "{m}(end of contents)")]
    public void ReadsElementHeadersLikeSystemFormatsAsn1(string hex)
    {
        byte[] data = H(hex);
        // where the length is long, give it the contents it announces (plus one byte, to tell header from whole)
        if (TheirHeader([.. data, .. new byte[300]]) is { } fit && fit.Item1 + fit.Item2 > data.Length)
        {
            data = [.. data, .. new byte[fit.Item1 + fit.Item2 - data.Length]];
        }
        Assert.That(OurHeader(data), Is.EqualTo(TheirHeader(data)));
        Assert.That(OurHeader([.. data, 0x42]), Is.EqualTo(TheirHeader([.. data, 0x42])));
        bool one = TheirHeader(data) is { } h && h.Item1 + h.Item2 == data.Length;
        Assert.That(DerReader.IsOneElement(data), Is.EqualTo(one));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ReadsRandomElementHeadersLikeSystemFormatsAsn1(int seed)
    {
        var random = new Random(seed);
        byte[] interesting = [0x00, 0x01, 0x1e, 0x1f, 0x30, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0x88, 0xff];
        int read = 0;
        for (int n = 0; n < 20000; n++)
        {
            var data = new byte[random.Next(0, 8) + (random.Next(4) == 0 ? random.Next(0, 300) : 0)];
            for (int i = 0; i < Math.Min(8, data.Length); i++)
            {
                data[i] = random.Next(2) == 0 ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
            }
            var theirs = TheirHeader(data);
            Assert.That(OurHeader(data), Is.EqualTo(theirs), Convert.ToHexString(data));
            read += theirs is null ? 0 : 1;
        }
        Assert.That(read, Is.GreaterThan(2000));
    }

    private static readonly UniversalTagNumber[] StringTypes =
    [
        UniversalTagNumber.UTF8String, UniversalTagNumber.NumericString, UniversalTagNumber.PrintableString,
        UniversalTagNumber.T61String, UniversalTagNumber.IA5String, UniversalTagNumber.VisibleString,
        UniversalTagNumber.BMPString,
    ];

    private static string? TheirText(UniversalTagNumber type, byte[] contents)
    {
        try
        {
            return AsnDecoder.ReadCharacterString(Element((byte)type, contents), AsnEncodingRules.DER, type, out _);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static string? OurText(UniversalTagNumber type, byte[] contents) =>
        DerCharacterString.Decode((byte)type, contents);

    [TestCaseSource(nameof(StringTypes))]
    public void ReadsEveryOctetOfEachStringTypeLikeSystemFormatsAsn1(UniversalTagNumber type)
    {
        Assert.That(OurText(type, []), Is.EqualTo(TheirText(type, [])));
        for (int b = 0; b < 256; b++)
        {
            byte[] contents = [(byte)b, (byte)'a', (byte)b];
            Assert.That(OurText(type, contents), Is.EqualTo(TheirText(type, contents)), $"0x{b:x2}");
        }
    }

    [TestCase(UniversalTagNumber.UTF8String, 1)]
    [TestCase(UniversalTagNumber.T61String, 2)]
    [TestCase(UniversalTagNumber.BMPString, 3)]
    [TestCase(UniversalTagNumber.PrintableString, 4)]
    public void ReadsRandomStringsLikeSystemFormatsAsn1(UniversalTagNumber type, int seed)
    {
        var random = new Random(seed);
        byte[] interesting =
            [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xd8, 0xdc, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
        for (int n = 0; n < 20000; n++)
        {
            var contents = new byte[random.Next(0, 9)];
            for (int i = 0; i < contents.Length; i++)
            {
                contents[i] = random.Next(2) == 0
                    ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
            }
            Assert.That(OurText(type, contents), Is.EqualTo(TheirText(type, contents)), Convert.ToHexString(contents));
        }
    }

    [TestCase(UniversalTagNumber.UTF8String, "c3a9", "é")]
    [TestCase(UniversalTagNumber.UTF8String, "efbbbf41", "\ufeffA", TestName = "{m}(a BOM is kept)")]
    [TestCase(UniversalTagNumber.UTF8String, "f09f9880", "😀")]
    [TestCase(UniversalTagNumber.UTF8String, "c080", null, TestName = "{m}(overlong)")]
    [TestCase(UniversalTagNumber.UTF8String, "eda080", null, TestName = "{m}(surrogate)")]
    [TestCase(UniversalTagNumber.UTF8String, "f4908080", null, TestName = "{m}(above U+10FFFF)")]
    [TestCase(UniversalTagNumber.UTF8String, "e282", null, TestName = "{m}(cut short)")]
    [TestCase(UniversalTagNumber.T61String, "c3a9", "é", TestName = "{m}(T61 as UTF-8)")]
    [TestCase(UniversalTagNumber.T61String, "e941", "éA", TestName = "{m}(T61 as Latin-1)")]
    [TestCase(UniversalTagNumber.T61String, "c3a9e980", "Ã©é\u0080", TestName = "{m}(T61 all Latin-1 once not UTF-8)")]
    [TestCase(UniversalTagNumber.BMPString, "004100e9", "Aé")]
    [TestCase(UniversalTagNumber.BMPString, "fffe0000", "\ufffe\0")]
    [TestCase(UniversalTagNumber.BMPString, "d83dde00", null, TestName = "{m}(a surrogate pair is not UCS-2)")]
    [TestCase(UniversalTagNumber.BMPString, "004100", null, TestName = "{m}(odd length)")]
    [TestCase(UniversalTagNumber.PrintableString, "415f42", null, TestName = "{m}(underscore)")]
    [TestCase(UniversalTagNumber.PrintableString, "41272829", "A'()")]
    [TestCase(UniversalTagNumber.NumericString, "3120", "1 ")]
    [TestCase(UniversalTagNumber.NumericString, "312d", null)]
    [TestCase(UniversalTagNumber.VisibleString, "207e", " ~")]
    [TestCase(UniversalTagNumber.VisibleString, "7f", null)]
    [TestCase(UniversalTagNumber.IA5String, "007f", "\0\u007f")]
    [TestCase(UniversalTagNumber.IA5String, "80", null)]
    public void ReadsStringsAsSystemFormatsAsn1Does(UniversalTagNumber type, string hex, string? text)
    {
        Assert.That(TheirText(type, H(hex)), Is.EqualTo(text), "System.Formats.Asn1");
        Assert.That(OurText(type, H(hex)), Is.EqualTo(text));
    }

    private static readonly UTF32Encoding StrictUtf32 =
        new(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true);

    private static string? Utf32Text(byte[] contents)
    {
        try
        {
            return StrictUtf32.GetString(contents);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    [TestCase("", "")]
    [TestCase("00000041000000e9", "Aé")]
    [TestCase("0001f600", "😀")]
    [TestCase("0000feff00000041", "\ufeffA", TestName = "{m}(a BOM is kept)")]
    [TestCase("0000d800", null, TestName = "{m}(surrogate)")]
    [TestCase("00110000", null, TestName = "{m}(above U+10FFFF)")]
    [TestCase("ffffffff", null)]
    [TestCase("000041", null, TestName = "{m}(not four octets a character)")]
    public void ReadsUniversalStringsAsStrictUtf32(string hex, string? text)
    {
        Assert.That(Utf32Text(H(hex)), Is.EqualTo(text), "UTF32Encoding, as DistinguishedName read them before");
        Assert.That(DerCharacterString.Decode(DerTag.UniversalString, H(hex)), Is.EqualTo(text));
    }

    [TestCase(5)]
    public void ReadsRandomUniversalStringsAsStrictUtf32(int seed)
    {
        var random = new Random(seed);
        for (int n = 0; n < 20000; n++)
        {
            var contents = new byte[random.Next(0, 3) * 4 + (random.Next(8) == 0 ? 1 : 0)];
            for (int i = 0; i < contents.Length; i++)
            {
                contents[i] = i % 4 < 2 ? (byte)random.Next(3) : (byte)random.Next(256);
                contents[i] = i % 4 == 2 && random.Next(4) == 0 ? (byte)(0xd8 + random.Next(8)) : contents[i];
            }
            Assert.That(DerCharacterString.Decode(DerTag.UniversalString, contents), Is.EqualTo(Utf32Text(contents)),
                Convert.ToHexString(contents));
        }
    }

    [Test]
    public void IsStringTagExactlyForTheEightTypes()
    {
        for (int b = 0; b < 256; b++)
        {
            bool universalPrimitive = (b & 0xe0) == 0 && (b & 0x1f) != 0x1f;
            bool expected = universalPrimitive && (UniversalTagNumber)(b & 0x1f) is UniversalTagNumber.UTF8String
                or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String or UniversalTagNumber.BMPString
                or UniversalTagNumber.VisibleString or UniversalTagNumber.NumericString or UniversalTagNumber.T61String
                or UniversalTagNumber.UniversalString;
            Assert.That(DerCharacterString.IsStringTag((byte)b), Is.EqualTo(expected), $"0x{b:x2}");
        }
    }

    [TestCase(UniversalTagNumber.UTF8String, "ü €😀 a")]
    [TestCase(UniversalTagNumber.PrintableString, "Example (CH) 1+2=3, ok? a/b:c-d.")]
    [TestCase(UniversalTagNumber.IA5String, "a@b.example\u0001~")]
    [TestCase(UniversalTagNumber.NumericString, "0123 456789")]
    [TestCase(UniversalTagNumber.VisibleString, " ~!")]
    public void WritesStringsLikeAsnWriter(UniversalTagNumber type, string text)
    {
        var theirs = new AsnWriter(AsnEncodingRules.DER);
        theirs.WriteCharacterString(type, text);
        var ours = new DerWriter();
        ours.WriteCharacterString((byte)type, text);
        Assert.That(Convert.ToHexString(ours.Encode()), Is.EqualTo(Convert.ToHexString(theirs.Encode())));
    }

    [TestCase(UniversalTagNumber.PrintableString, "a_b")]
    [TestCase(UniversalTagNumber.PrintableString, "é")]
    [TestCase(UniversalTagNumber.IA5String, "é")]
    [TestCase(UniversalTagNumber.NumericString, "1a")]
    [TestCase(UniversalTagNumber.VisibleString, "\u0001")]
    [TestCase(UniversalTagNumber.UTF8String, "lone surrogate")]
    public void RefusesToWriteCharactersTheTypeForbidsLikeAsnWriter(UniversalTagNumber type, string text)
    {
        // an attribute cannot carry a lone surrogate (its strings are stored as UTF-8), so it is made here
        text = text == "lone surrogate" ? "a\ud800b" : text;
        Assert.That(() => new AsnWriter(AsnEncodingRules.DER).WriteCharacterString(type, text),
            Throws.InstanceOf<ArgumentException>());
        Assert.That(() => new DerWriter().WriteCharacterString((byte)type, text),
            Throws.InstanceOf<ArgumentException>());
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(127)]
    [TestCase(128)]
    [TestCase(255)]
    [TestCase(256)]
    [TestCase(65535)]
    [TestCase(65536)]
    [TestCase(16777215)]
    [TestCase(16777216)]
    public void WritesLengthsLikeAsnWriter(int length)
    {
        string text = new('a', length);
        var theirs = new AsnWriter(AsnEncodingRules.DER);
        using (theirs.PushSequence())
        {
            theirs.WriteCharacterString(UniversalTagNumber.UTF8String, text);
        }
        var ours = new DerWriter();
        using (ours.PushSequence())
        {
            ours.WriteCharacterString(DerTag.UTF8String, text);
        }
        byte[] expected = theirs.Encode();
        byte[] actual = ours.Encode();
        Assert.That(actual.Length, Is.EqualTo(expected.Length));
        Assert.That(Convert.ToHexString(actual.AsSpan(0, Math.Min(16, actual.Length))),
            Is.EqualTo(Convert.ToHexString(expected.AsSpan(0, Math.Min(16, expected.Length)))));
        Assert.That(actual.AsSpan().SequenceEqual(expected), Is.True);
        var reader = new DerReader(actual).ReadSequence();
        Assert.That(DerReader.ContentsOf(reader.ReadEncodedValue()).Length, Is.EqualTo(length));
    }

    private static readonly string[] NameOids =
    [
        "2.5.4.3", "2.5.4.10", "2.5.4.11", "2.5.4.6", "1.2.840.113549.1.9.1",
        "2.25.329800735698586629295641978511506172918",
        "1.2.99999999999999999999", "0.9.2342.19200300.100.1.25",
    ];

    /// <summary>Random Names written by both writers: SET OFs of several attributes (some the same, some of 128 octets
    /// and more), each string type ours writes, and values written as they are.</summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void WritesRandomNamesLikeAsnWriter(int seed)
    {
        var random = new Random(seed);
        for (int n = 0; n < 500; n++)
        {
            var theirs = new AsnWriter(AsnEncodingRules.DER);
            var ours = new DerWriter();
            using (theirs.PushSequence())
            using (ours.PushSequence())
            {
                for (int r = random.Next(0, 4); r >= 0; r--)
                {
                    using (theirs.PushSetOf())
                    using (ours.PushSetOf())
                    {
                        var attributes = new List<(string Oid, int Kind, string Text)>();
                        for (int a = random.Next(0, 5); a >= 0; a--)
                        {
                            attributes.Add(random.Next(5) == 0 && attributes.Count > 0
                                ? attributes[random.Next(attributes.Count)]
                                : (NameOids[random.Next(NameOids.Length)], random.Next(4), RandomText(random)));
                        }
                        foreach (var (oid, kind, text) in attributes)
                        {
                            using (theirs.PushSequence())
                            using (ours.PushSequence())
                            {
                                theirs.WriteObjectIdentifier(oid);
                                ours.WriteObjectIdentifier(oid);
                                switch (kind)
                                {
                                    case 0:
                                        theirs.WriteCharacterString(UniversalTagNumber.UTF8String, text);
                                        ours.WriteCharacterString(DerTag.UTF8String, text);
                                        break;
                                    case 1:
                                        theirs.WriteCharacterString(UniversalTagNumber.PrintableString, Ascii(text));
                                        ours.WriteCharacterString(DerTag.PrintableString, Ascii(text));
                                        break;
                                    case 2:
                                        theirs.WriteCharacterString(UniversalTagNumber.IA5String, Ascii(text));
                                        ours.WriteCharacterString(DerTag.IA5String, Ascii(text));
                                        break;
                                    default:
                                        var raw = new AsnWriter(AsnEncodingRules.DER);
                                        var tag = new Asn1Tag(TagClass.ContextSpecific, random.Next(40));
                                        raw.WriteOctetString(Encoding.UTF8.GetBytes(text), tag);
                                        theirs.WriteEncodedValue(raw.Encode());
                                        ours.WriteEncodedValue(raw.Encode());
                                        break;
                                }
                            }
                        }
                    }
                }
            }
            byte[] expected = theirs.Encode();
            Assert.That(Convert.ToHexString(ours.Encode()), Is.EqualTo(Convert.ToHexString(expected)));
        }
    }

    private static string RandomText(Random random)
    {
        const string Alphabet = "abcXYZ019 '()+,-./:=?";
        int length = random.Next(4) == 0 ? random.Next(100, 300) : random.Next(0, 4);
        var text = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            text.Append(random.Next(10) == 0 ? 'ü' : Alphabet[random.Next(Alphabet.Length)]);
        }
        return text.ToString();
    }

    private static string Ascii(string text) => text.Replace('ü', 'u');

    [Test]
    public void SortsTheAttributesOfAnRdnLikeAsnWriter()
    {
        // CN=a+O=b: the SET OF holds 30 08 06 03 55 04 03 … and 30 08 06 03 55 04 0a …, in that order whichever
        // comes first
        var expected = new AsnWriter(AsnEncodingRules.DER);
        using (expected.PushSequence())
        using (expected.PushSetOf())
        {
            foreach (var (oid, value) in new[] { ("2.5.4.10", "b"), ("2.5.4.3", "a") })
            {
                using (expected.PushSequence())
                {
                    expected.WriteObjectIdentifier(oid);
                    expected.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                }
            }
        }
        byte[] der = expected.Encode();
        Assert.That(Convert.ToHexString(der),
            Is.EqualTo("30163114" + "30080603550403" + "0C0161" + "3008060355040A" + "0C0162"));
        foreach (string text in new[] { "CN=a+O=b", "O=b+CN=a", "O=b + CN=a" })
        {
            Assert.That(DistinguishedName.TryParse(text, out var parsed, out var problem), Is.True, problem);
            Assert.That(Convert.ToHexString(parsed!), Is.EqualTo(Convert.ToHexString(der)), text);
        }
        // a longer element sorts by its octets, not its length: 30 81 … (a value of 128 octets and more) after 30 08 …
        string longValue = new('z', 130);
        Assert.That(DistinguishedName.TryParse($"CN={longValue}+O=b", out var mixed, out _), Is.True);
        var theirs = new AsnWriter(AsnEncodingRules.DER);
        using (theirs.PushSequence())
        using (theirs.PushSetOf())
        {
            foreach (var (oid, value) in new[] { ("2.5.4.3", longValue), ("2.5.4.10", "b") })
            {
                using (theirs.PushSequence())
                {
                    theirs.WriteObjectIdentifier(oid);
                    theirs.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                }
            }
        }
        Assert.That(Convert.ToHexString(mixed!), Is.EqualTo(Convert.ToHexString(theirs.Encode())));
    }

    [Test]
    public void WritesEncodedValuesOnlyWithDerLengths()
    {
        foreach (string hex in new[] { "0500", "1f1f00", "300404810100", "df812300", "3000" })
        {
            var theirs = new AsnWriter(AsnEncodingRules.DER);
            theirs.WriteEncodedValue(H(hex));
            var ours = new DerWriter();
            ours.WriteEncodedValue(H(hex));
            Assert.That(ours.Encode(), Is.EqualTo(theirs.Encode()), hex);
        }
        foreach (string hex in new[] { "3080 0000", "048101 00", "0500 00", "05", "", "1f1e00" })
        {
            Assert.That(() => new AsnWriter(AsnEncodingRules.DER).WriteEncodedValue(H(hex)),
                Throws.InstanceOf<ArgumentException>(), hex);
            Assert.That(() => new DerWriter().WriteEncodedValue(H(hex)), Throws.InstanceOf<ArgumentException>(), hex);
        }
    }
}
