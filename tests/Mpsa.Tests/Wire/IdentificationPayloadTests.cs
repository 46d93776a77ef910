using System.Text;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>RFC 7296 §3.5 identities: written as text in the configs, compared by type and value, printed safely.</summary>
public class IdentificationPayloadTests
{
    private static IdentificationPayload Id(string text) => IdentificationPayload.FromText(PayloadType.IDr, text);

    [TestCase("ctl.example.net", IdType.ID_FQDN, "ctl.example.net")]
    [TestCase("ctl@example.net", IdType.ID_RFC822_ADDR, "ctl@example.net")]
    [TestCase("192.0.2.1", IdType.ID_IPV4_ADDR, "192.0.2.1")]
    [TestCase("2001:db8::1", IdType.ID_IPV6_ADDR, "2001:db8::1")]
    [TestCase("keyid:controller", IdType.ID_KEY_ID, "keyid:controller")]
    [TestCase("C=CH, O=Example, CN=controller", IdType.ID_DER_ASN1_DN, "C=CH, O=Example, CN=controller")]
    [TestCase("fqdn:ctl@example.net", IdType.ID_FQDN, "fqdn:ctl@example.net")]
    [TestCase("fqdn:192.0.2.1", IdType.ID_FQDN, "fqdn:192.0.2.1")]
    [TestCase("email:controller", IdType.ID_RFC822_ADDR, "email:controller")]
    [TestCase("ipv6:2001:db8::1", IdType.ID_IPV6_ADDR, "2001:db8::1")]
    [TestCase("asn1dn:CN=controller", IdType.ID_DER_ASN1_DN, "CN=controller")]
    [TestCase("keyid:#00ff10", IdType.ID_KEY_ID, "keyid:#00ff10")]
    [TestCase("fqdn:keyid:x", IdType.ID_FQDN, "fqdn:keyid:x")]
    [TestCase("email:fqdn:x@y", IdType.ID_RFC822_ADDR, "email:fqdn:x@y")]
    public void ReadsTheTypeFromTheTextAndWritesTextThatReadsBackTheSame(string text, IdType type, string printed)
    {
        var id = Id(text);
        Assert.That(id.IdType, Is.EqualTo(type));
        Assert.That(id.ToText(), Is.EqualTo(printed));
        Assert.That(Id(id.ToText()).SameIdentity(id), Is.True, "ToText reads back as the same type and value");
    }

    [TestCase("")]
    [TestCase("ipv4:2001:db8::1")]
    [TestCase("ipv4:controller")]
    [TestCase("asn1dn:controller.example.net")]
    [TestCase("CN=controller, XX=unknown")]
    [TestCase("keyid:#abc")]
    [TestCase("fqdn:")]
    public void RefusesTextThatIsNoIdentityOfItsType(string text)
    {
        Assert.That(IdentificationPayload.TryFromText(PayloadType.IDi, text, out _, out var problem), Is.False);
        Assert.That(problem, Is.Not.Empty);
        Assert.That(() => Id(text), Throws.ArgumentException);
    }

    [Test]
    public void ComparesByTypeAndValue()
    {
        // The same bytes under another ID type are another identity (RFC 7296 §3.5).
        Assert.That(Id("fqdn:ctl@example.net").SameIdentity(Id("ctl@example.net")), Is.False);
        Assert.That(Id("fqdn:192.0.2.1").SameIdentity(Id("192.0.2.1")), Is.False);
        Assert.That(Id("keyid:ctl.example.net").SameIdentity(Id("ctl.example.net")), Is.False);
        Assert.That(Id("fqdn:ctl@example.net").Matches("ctl@example.net"), Is.False);
        Assert.That(Id("fqdn:ctl@example.net").Matches("fqdn:ctl@example.net"), Is.True);
        Assert.That(Id("fqdn:ctl@example.net").MatchKey(), Is.Not.EqualTo(Id("ctl@example.net").MatchKey()));
        // FQDN and RFC822 names ignore ASCII case (DNS names do), key IDs do not.
        Assert.That(Id("Ctl.Example.NET").SameIdentity(Id("ctl.example.net")), Is.True);
        Assert.That(Id("CPE@Example.net").MatchKey(), Is.EqualTo(Id("cpe@example.NET").MatchKey()));
        Assert.That(Id("keyid:ABC").SameIdentity(Id("keyid:abc")), Is.False);
        Assert.That(Id("ctl.example.net").SameIdentity(Id("ctl.example.org")), Is.False);
        // only A-Z fold: '[' and '{' differ by the same bit as 'A' and 'a'; longer is another name; other bytes compare as they are
        static IdentificationPayload Fqdn(byte[] name) => new(PayloadType.IDi, IdType.ID_FQDN, name);
        Assert.That(Fqdn("a[b"u8.ToArray()).SameIdentity(Fqdn("a{b"u8.ToArray())), Is.False);
        Assert.That(Fqdn("ctl.example.ne"u8.ToArray()).SameIdentity(Fqdn("ctl.example.net"u8.ToArray())), Is.False);
        Assert.That(Fqdn([0xC3, 0x89]).SameIdentity(Fqdn([0xC3, 0xA9])), Is.False);
        Assert.That(Fqdn([0xC3, 0x89, (byte)'X']).SameIdentity(Fqdn([0xC3, 0x89, (byte)'x'])), Is.True);
    }

    [Test]
    public void DescribesTypeAndValueForMessages()
    {
        Assert.That(Id("fqdn:ctl@example.net").Describe(), Is.EqualTo("ID_FQDN 'ctl@example.net'"));
        Assert.That(Id("ctl@example.net").Describe(), Is.EqualTo("ID_RFC822_ADDR 'ctl@example.net'"));
        Assert.That(Id("O=Example, CN=controller").Describe(), Is.EqualTo("ID_DER_ASN1_DN 'O=Example, CN=controller'"));
    }

    [Test]
    public void PrintsControlCharactersOfAPeersIdentityAsEscapes()
    {
        var id = new IdentificationPayload(PayloadType.IDi, IdType.ID_FQDN, Encoding.UTF8.GetBytes("cpe\n\u001b[31mforged\u202e"));
        Assert.That(id.ToText(), Is.EqualTo(@"cpe\n\x1b[31mforged\u202e"));
        Assert.That(id.Describe(), Is.EqualTo(@"ID_FQDN 'cpe\n\x1b[31mforged\u202e'"));
        var key = new IdentificationPayload(PayloadType.IDi, IdType.ID_KEY_ID, [0x1b, 0x0a, 0x41]);
        Assert.That(key.ToText(), Is.EqualTo("keyid:#1b0a41"));
    }
}
