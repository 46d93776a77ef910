using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

public class IniFileTests
{
    private const string Path = "/etc/mpsa/mpsa.conf";

    private static string[] Errors(IniFile file) => [.. file.Errors.Select(e => e.ToString())];

    [Test]
    public void ReadsSectionsEntriesAndLineNumbers()
    {
        var file = IniFile.Parse(Path, """
            # comment
            ; comment
            [controller]
            address = 192.0.2.1
            port = 500
            [group office]          # section with a name
            psk = "quoted value with # inside"
            """);

        Assert.That(file.Errors, Is.Empty);
        Assert.That(file.Sections.Select(s => s.Header), Is.EqualTo(new[] { "[controller]", "[group office]" }));
        var controller = file.Sections[0];
        Assert.That(controller.Line, Is.EqualTo(3));
        Assert.That(controller.Entries.Select(e => (e.Key, e.Value, e.Line)),
            Is.EqualTo(new[] { ("address", "192.0.2.1", 4), ("port", "500", 5) }));
        var group = file.Sections[1];
        Assert.Multiple(() =>
        {
            Assert.That(group.Kind, Is.EqualTo("group"));
            Assert.That(group.Name, Is.EqualTo("office"));
            Assert.That(group.Entries[0].Value, Is.EqualTo("quoted value with # inside"));
            Assert.That(group.Entries[0].Quoted, Is.True);
            Assert.That(group.Entries[0].Path, Is.EqualTo(Path));
            Assert.That(group.Entries[0].Line, Is.EqualTo(7));
        });
    }

    [Test]
    public void StripsTrailingCommentsFromUnquotedValuesOnlyAfterABlank()
    {
        var file = IniFile.Parse(Path, "[a]\nx = 500   # IKE\ny = 1;2\nz = 3 ; note\nw =\nv = # only a comment\n");

        Assert.That(file.Errors, Is.Empty);
        Assert.That(file.Sections[0].Entries.Select(e => e.Value), Is.EqualTo(new[] { "500", "1;2", "3", "", "" }));
    }

    [Test]
    public void ResolvesEscapesInQuotedValues()
    {
        var file = IniFile.Parse(Path, "[a]\nx = \"say \\\"hi\\\" \\\\ ; # \"  # comment\ny = \"\"\n");

        Assert.That(file.Errors, Is.Empty);
        Assert.That(file.Sections[0].Entries[0].Value, Is.EqualTo("say \"hi\" \\ ; # "));
        Assert.That(file.Sections[0].Entries[1].Value, Is.EqualTo(""));
    }

    [Test]
    public void KeepsRepeatedSectionsWithDifferentNames()
    {
        var file = IniFile.Parse(Path, "[member cpe1]\naddress = 10.0.0.1\n[member cpe2]\naddress = 10.0.0.2\n[member \"cpe 3\"]\n");

        Assert.That(file.Errors, Is.Empty);
        Assert.That(file.Sections.Select(s => s.Name), Is.EqualTo(new[] { "cpe1", "cpe2", "cpe 3" }));
    }

    [Test]
    public void AcceptsWindowsLineEndsAndBlankLines()
    {
        var file = IniFile.Parse(Path, "[a]\r\n\r\n  x = 1  \r\n");

        Assert.That(file.Errors, Is.Empty);
        Assert.That(file.Sections[0].Entries[0].Line, Is.EqualTo(3));
    }

    [Test]
    public void ReportsEverySyntaxErrorWithItsLine()
    {
        var file = IniFile.Parse(Path, string.Join('\n',
            "orphan = 1",                 // 1
            "[a",                         // 2
            "[a] trailing",               // 3
            "[]",                         // 4
            "[a b c]",                    // 5
            "[a]",                        // 6
            "just words",                 // 7
            "= 5",                        // 8
            "bad key = 1",                // 9
            "q = \"unterminated",         // 10
            "r = \"x\" y",                // 11
            "nokey"));                    // 12

        Assert.That(Errors(file), Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:1: 'orphan' is outside any section (add a [section] header above it)",
            "/etc/mpsa/mpsa.conf:2: missing ']' in section header",
            "/etc/mpsa/mpsa.conf:3: unexpected 'trailing' after section header",
            "/etc/mpsa/mpsa.conf:4: empty section header",
            "/etc/mpsa/mpsa.conf:5: 'b c' is not a section name (one word, or in double quotes)",
            "/etc/mpsa/mpsa.conf:7: expected 'key = value' or '[section]'",
            "/etc/mpsa/mpsa.conf:8: missing key before '='",
            "/etc/mpsa/mpsa.conf:9: 'bad key' is not a key (letters, digits, '_', '-', '.')",
            "/etc/mpsa/mpsa.conf:10: q: unterminated quoted value",
            "/etc/mpsa/mpsa.conf:11: r: unexpected text after the closing quote",
            "/etc/mpsa/mpsa.conf:12: 'nokey' has no value (expected 'nokey = value')",
        }));
        Assert.That(file.Sections.Select(s => s.Line), Is.EqualTo(new[] { 6 }));
    }

    [Test]
    public void DoesNotBlameEntriesUnderABadHeaderOnTheSectionBefore()
    {
        var file = IniFile.Parse(Path, "[a]\nx = 1\n[b c d]\ny = 2\n");

        Assert.That(Errors(file), Has.Length.EqualTo(1));
        Assert.That(file.Sections.Single().Entries.Select(e => e.Key), Is.EqualTo(new[] { "x" }));
    }

    [Test]
    public void ReportsAnUnreadableFileAtLineZero()
    {
        var file = IniFile.Load("/nonexistent/mpsa.conf");

        // The errno's text, not the runtime's message, which the agent's binary has only as a resource key.
        Assert.That(file.Errors.Single().ToString(), Is.EqualTo("/nonexistent/mpsa.conf: cannot read: No such file or directory"));
    }

    [TestCase("utf-16", "UTF-16")]
    [TestCase("utf-16BE", "UTF-16")]
    [TestCase("utf-32", "UTF-32")]
    public void NamesAFileInAnotherEncodingInsteadOfReadingIt(string encoding, string named)
    {
        string path = System.IO.Path.GetTempFileName();
        try
        {
            var text = System.Text.Encoding.GetEncoding(encoding);
            File.WriteAllBytes(path, [.. text.GetPreamble(), .. text.GetBytes("[agent]\nx = 1\n")]);
            var file = IniFile.Load(path);

            Assert.That(file.Errors.Single().ToString(), Is.EqualTo($"{path}: the file is {named} (its byte-order mark says so): save it as UTF-8"));
            Assert.That(file.Sections, Is.Empty);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void SkipsTheByteOrderMarkOfUtf8()
    {
        string path = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "[agent]\nx = 1\n"u8]);
            var file = IniFile.Load(path);

            Assert.That(file.Errors, Is.Empty);
            Assert.That(file.Sections.Single().Kind, Is.EqualTo("agent"));
            Assert.That(file.Sections.Single().Entries.Single().Key, Is.EqualTo("x"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void NeverPrintsAValueInAnEntrysToString()
    {
        var entry = new IniEntry("psk", "hunter2", false, Path, 3);

        Assert.That(entry.ToString(), Is.EqualTo("/etc/mpsa/mpsa.conf:3: psk"));
    }
}
