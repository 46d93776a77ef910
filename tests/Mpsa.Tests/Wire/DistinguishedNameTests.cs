using System.Formats.Asn1;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>X.501 Names compared decoded as RFC 5280 §7.1 says, written and read as RFC 4514 text in DER order.</summary>
public class DistinguishedNameTests
{
    private const string C = "2.5.4.6";
    private const string O = "2.5.4.10";
    private const string OU = "2.5.4.11";
    private const string CN = "2.5.4.3";

    /// <summary>A DER Name made here with the string types chosen (not by the code under test): RDNs of (type, tag, value).</summary>
    private static byte[] Name(params (string Oid, UniversalTagNumber Tag, string Value)[][] rdns)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var rdn in rdns)
            {
                using (w.PushSetOf())
                {
                    foreach (var (oid, tag, value) in rdn)
                    {
                        using (w.PushSequence())
                        {
                            w.WriteObjectIdentifier(oid);
                            w.WriteCharacterString(tag, value);
                        }
                    }
                }
            }
        }
        return w.Encode();
    }

    private static (string, UniversalTagNumber, string)[] Rdn(string oid, string value, UniversalTagNumber tag = UniversalTagNumber.UTF8String) =>
        [(oid, tag, value)];

    private static byte[] Parse(string text)
    {
        Assert.That(DistinguishedName.TryParse(text, out var der, out var problem), Is.True, problem);
        return der!;
    }

    [Test]
    public void DoesNotTakeAnOValueHoldingACommaAndCnForTwoRdns()
    {
        // One RDN, O = "Example, CN=controller": as unescaped text it reads like O=Example, CN=controller.
        byte[] subject = Name(Rdn(O, "Example, CN=controller"));
        byte[] twoRdns = Name(Rdn(O, "Example"), Rdn(CN, "controller"));
        Assert.That(DistinguishedName.Equal(subject, twoRdns), Is.False);
        Assert.That(DistinguishedName.Equal(subject, Parse("O=Example, CN=controller")), Is.False);
        Assert.That(DistinguishedName.Format(subject), Is.EqualTo(@"O=Example\, CN=controller"));
        Assert.That(DistinguishedName.Format(twoRdns), Is.EqualTo("O=Example, CN=controller"));
        // Written escaped or quoted, the text names the one-RDN subject.
        Assert.That(DistinguishedName.Equal(subject, Parse(@"O=Example\, CN=controller")), Is.True);
        Assert.That(DistinguishedName.Equal(subject, Parse("O=\"Example, CN=controller\"")), Is.True);
        Assert.That(DistinguishedName.Equal(subject, Parse(@"O=Example\2c CN=controller")), Is.True);
        Assert.That(DistinguishedName.Canonical(subject), Is.Not.EqualTo(DistinguishedName.Canonical(twoRdns)));
    }

    [Test]
    public void MatchesCaseSpaceAndStringTypeVariationsRfc5280CountsAsEqual()
    {
        byte[] issued = Name(Rdn(C, "CH", UniversalTagNumber.PrintableString), Rdn(O, "Example Inc", UniversalTagNumber.PrintableString),
            Rdn(CN, "Controller One"));
        byte[] variant = Name(Rdn(C, "ch"), Rdn(O, "  EXAMPLE   inc ", UniversalTagNumber.BMPString), Rdn(CN, "controller\tONE"));
        Assert.That(DistinguishedName.Equal(issued, variant), Is.True);
        Assert.That(DistinguishedName.Canonical(issued), Is.EqualTo(DistinguishedName.Canonical(variant)));
        Assert.That(DistinguishedName.Equal(issued, Parse("c=ch,o=example inc ,  cn = CONTROLLER ONE")), Is.True);
        // A multi-valued RDN is a set: the order of its attributes does not matter.
        Assert.That(DistinguishedName.Equal(Name([(CN, UniversalTagNumber.UTF8String, "a"), (OU, UniversalTagNumber.UTF8String, "b")]),
            Parse("OU=B + CN=A")), Is.True);
    }

    [Test]
    public void TellsApartNamesThatDifferInTypeOrderValueOrRdns()
    {
        byte[] name = Name(Rdn(C, "CH"), Rdn(O, "Example"));
        Assert.That(DistinguishedName.Equal(name, Name(Rdn(C, "CH"), Rdn(OU, "Example"))), Is.False, "attribute type");
        Assert.That(DistinguishedName.Equal(name, Name(Rdn(O, "Example"), Rdn(C, "CH"))), Is.False, "RDN order");
        Assert.That(DistinguishedName.Equal(name, Name(Rdn(C, "CH"), Rdn(O, "Exam ple"))), Is.False, "inner space");
        Assert.That(DistinguishedName.Equal(name, Name(Rdn(C, "CH"), Rdn(O, "Example"), Rdn(CN, "x"))), Is.False, "one more RDN");
        Assert.That(DistinguishedName.Equal(name, Name([(C, UniversalTagNumber.UTF8String, "CH"), (O, UniversalTagNumber.UTF8String, "Example")])),
            Is.False, "one multi-valued RDN");
        Assert.That(DistinguishedName.Equal(name, [0x30, 0x00]), Is.False);
        Assert.That(DistinguishedName.Equal([0x30, 0x01], [0x30, 0x01]), Is.True, "what does not decode equals only itself");
    }

    [Test]
    public void PrintsAPeersNameOnOneLineAndReadsItBack()
    {
        byte[] name = Name(Rdn(O, "#1 Example+Co; \"x\" <y> \\"), Rdn(CN, "evil\n\u001b[31m\u202e "));
        string text = DistinguishedName.Format(name)!;
        Assert.That(text, Is.EqualTo(@"O=\#1 Example\+Co\; \""x\"" \<y\> \\, CN=evil\0a\1b[31m\e2\80\ae\ "));
        Assert.That(PeerText.Escape(text), Is.SameAs(text), "nothing left to escape for a log line");
        Assert.That(DistinguishedName.Equal(Parse(text), name), Is.True);
    }

    [TestCase("ctl.example.net", "is not TYPE=VALUE")]
    [TestCase("CN=a, XX=b", "unknown attribute type 'XX'")]
    [TestCase("O=\"Example", "unterminated quoted value")]
    [TestCase("CN=a\"b", "must be escaped")]
    [TestCase(@"CN=a\x", "bad escape")]
    [TestCase("CN=#zz", "is not the hex of one BER value")]
    [TestCase(@"CN=\ff", "not UTF-8")]
    [TestCase("CN=a,", "is not TYPE=VALUE")]
    public void RefusesTextThatIsNotADistinguishedName(string text, string problem)
    {
        Assert.That(DistinguishedName.TryParse(text, out _, out var why), Is.False);
        Assert.That(why, Does.Contain(problem));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void NeverThrowsOnATruncatedOrFlippedName(int seed)
    {
        var random = new Random(seed);
        byte[] name = Name(Rdn(C, "CH", UniversalTagNumber.PrintableString),
            [(O, UniversalTagNumber.UTF8String, "Example"), (OU, UniversalTagNumber.BMPString, "Lab")], Rdn(CN, "cpe1"));
        for (int n = 0; n < 3000; n++)
        {
            byte[] mutated = n <= name.Length ? name[..n] : (byte[])name.Clone();
            if (n > name.Length)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            }
            string? text = DistinguishedName.Format(mutated);
            _ = DistinguishedName.Canonical(mutated);
            _ = DistinguishedName.Equal(mutated, name);
            if (text is not null && DistinguishedName.TryParse(text, out var again, out _))
            {
                Assert.That(DistinguishedName.Format(again), Is.Not.Null);
            }
        }
    }

    [TestCase("3.4=x")]
    [TestCase("1.40=x")]
    [TestCase("2.5.=x")]
    public void RefusesWhatIsNoOid(string text) => Assert.That(DistinguishedName.TryParse(text, out _, out _), Is.False);

    [Test]
    public void ReadsDottedOidsAndHexValues()
    {
        Assert.That(DistinguishedName.Equal(Parse("2.5.4.3=controller"), Name(Rdn(CN, "controller"))), Is.True);
        Assert.That(DistinguishedName.Equal(Parse("OID.2.5.4.3=controller"), Name(Rdn(CN, "controller"))), Is.True);
        // #hex is the value's BER: here a PrintableString "CH".
        Assert.That(DistinguishedName.Equal(Parse("C=#13024348"), Name(Rdn(C, "CH"))), Is.True);
        Assert.That(DistinguishedName.Format(Name(Rdn("1.3.6.1.4.1.99999.1", "x"))), Is.EqualTo("1.3.6.1.4.1.99999.1=x"));
    }
}
