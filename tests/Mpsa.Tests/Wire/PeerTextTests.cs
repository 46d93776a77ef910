using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>Text a peer controls, made safe for one log line.</summary>
public class PeerTextTests
{
    [TestCase("cpe1.example.net", "cpe1.example.net")]
    [TestCase("a\nb\rc\td", @"a\nb\rc\td")]
    [TestCase("\u001b[31mred\u001b[0m", @"\x1b[31mred\x1b[0m")]
    [TestCase("nul\0del\u007fc1\u009b", @"nul\x00del\x7fc1\x9b")]
    [TestCase("abc\u202edef\u2028", @"abc\u202edef\u2028")]
    [TestCase("pair \ud83d\ude00 kept, back\\slash kept", "pair \ud83d\ude00 kept, back\\slash kept")]
    [TestCase("Grüezi, 東京", "Grüezi, 東京")]
    public void EscapesControlAndFormatCharactersOnly(string text, string escaped)
    {
        Assert.That(PeerText.Escape(text), Is.EqualTo(escaped));
        Assert.That(PeerText.Escape(escaped), Is.EqualTo(escaped), "escaping twice changes nothing");
    }

    [Test]
    public void PrintsAVendorIdAsTextOnlyWhenItIsPrintable()
    {
        Assert.That(VendorIdPayload.Mpsa().ToString(), Is.EqualTo("V(\"multi-point SA\")"));
        Assert.That(new VendorIdPayload("evil\n\u001b[2J"u8.ToArray()).ToString(), Is.EqualTo("V(6576696c0a1b5b324a)"));
    }

    [Test]
    public void ReturnsTheSameStringWhenThereIsNothingToEscape()
    {
        string text = "controller.example.net";
        Assert.That(PeerText.Escape(text), Is.SameAs(text));
        Assert.That(PeerText.FromBytes("vendor\n"u8), Is.EqualTo(@"vendor\n"));
        Assert.That(PeerText.FromBytes([0xff, 0x41]), Is.EqualTo("\ufffdA"));
        // (not a [TestCase]: an attribute's string cannot hold an unpaired surrogate)
        Assert.That(PeerText.Escape("lone \ud800 and \udc00"), Is.EqualTo(@"lone \ud800 and \udc00"));
    }
}
