using Mpsa.Controller.Members;

namespace Mpsa.Tests.Controller;

/// <summary>The file `mpsa-controller member import` reads: every member it names, or every line that is wrong.</summary>
public class MemberImportFileTests
{
    private static (List<MemberDraft> Drafts, List<string> Problems) Read(string text)
    {
        var problems = new List<string>();
        return (MemberImportFile.Read("m.csv", text, problems), problems);
    }

    [Test]
    public void ReadsCsvColumnsInAnyOrderWithQuotesCommentsAndCrLf()
    {
        var (drafts, problems) = Read(
            "# exported 2026-12-03\r\ngroup,psk,identity,name,require_vendor_id\r\n\r\n" +
            "office,\"a, \"\"quoted\"\" secret\",cpe1.example.net,cpe1,no\r\n" +
            "office,,\"O=Example, CN=cpe2\",cpe2,\r\n");
        Assert.That(problems, Is.Empty);
        Assert.That(drafts, Is.EqualTo(new[]
        {
            new MemberDraft("m.csv:4", "cpe1", "cpe1.example.net", "office", "a, \"quoted\" secret", false),
            new MemberDraft("m.csv:5", "cpe2", "O=Example, CN=cpe2", "office", null, true),
        }));
    }

    [Test]
    public void NamesEveryBadCsvLine()
    {
        var (drafts, problems) = Read(
            "name,identity,group,psk,require_vendor_id\n" +
            "cpe1,,office,s1\n" +
            "cpe2,cpe2.example.net,office,s2,maybe\n" +
            "cpe3,\"cpe3.example.net,office,s3\n" +
            "cpe4,cpe4.example.net,office,s4\n");
        Assert.That(problems, Is.EqualTo(new[]
        {
            "m.csv:2: missing identity",
            "m.csv:3: require_vendor_id: 'maybe' is not yes or no",
            "m.csv:4: a quoted field is not closed",
        }));
        Assert.That(drafts.Select(d => d.Name), Is.EqualTo(new[] { "cpe4" }));
    }

    [Test]
    public void RefusesCsvWithoutTheColumnsItNeeds()
    {
        Assert.That(Read("name,group,psk\ncpe1,office,s1\n").Problems,
            Is.EqualTo(new[] { "m.csv:1: the header line names no identity column (expected: name,identity,group,psk)" }));
        Assert.That(Read("# nothing\n\n").Problems, Is.EqualTo(new[] { "m.csv: no header line (name,identity,group,psk) and no member" }));
    }

    [Test]
    public void ReadsAJsonArray()
    {
        var (drafts, problems) = Read("""
            [ {"name": "cpe1", "identity": "cpe1.example.net", "group": "office", "psk": "0x0102", "require_vendor_id": false},
              {"name": "cpe2", "identity": "cpe2.example.net", "group": "office", "psk": null} ]
            """);
        Assert.That(problems, Is.Empty);
        Assert.That(drafts, Is.EqualTo(new[]
        {
            new MemberDraft("m.csv: entry 1", "cpe1", "cpe1.example.net", "office", "0x0102", false),
            new MemberDraft("m.csv: entry 2", "cpe2", "cpe2.example.net", "office", null, true),
        }));
    }

    [Test]
    public void AJsonValueOfTheWrongTypeIsAProblemNotADefault()
    {
        // A psk given as a number must not make a certificate member, nor "no" keep the vendor ID required.
        var (drafts, problems) = Read("""
            [ {"name": "cpe1", "identity": "cpe1.example.net", "group": "office", "psk": 12345},
              {"name": "cpe2", "identity": "cpe2.example.net", "group": "office", "psk": "s2", "require_vendor_id": "no"},
              "cpe3",
              {"name": "cpe4", "group": "office"} ]
            """);
        Assert.That(problems, Is.EqualTo(new[]
        {
            "m.csv: entry 1: psk is not a string",
            "m.csv: entry 2: require_vendor_id is not true or false",
            "m.csv: entry 3: not an object",
            "m.csv: entry 4: missing identity",
        }));
        Assert.That(drafts, Is.Empty);
    }

    [Test]
    public void NamesTheLineOfBrokenJson()
    {
        var (_, problems) = Read("[\n {\"name\": \"cpe1\",\n  \"identity\" \"x\"}\n]");
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.StartWith("m.csv:3: not valid JSON"));
    }
}
