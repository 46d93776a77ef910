using System.Text;
using System.Text.Json;
using Mpsa.Agent;

namespace Mpsa.Tests.Agent;

/// <summary>The agent's own JSON writer writes what System.Text.Json's indented Utf8JsonWriter writes, byte for byte.</summary>
public class IndentedJsonWriterTests
{
    private static readonly string[] Strings =
    [
        "", "plain", "quote \" backslash \\ slash /", "controls \n\r\t\b\f \u0001 \u001f \u007f",
        "html < > & ' + `", "non-ASCII é ü ß 日本", "emoji \U0001F600", "C=CH, O=Example\\, Inc, CN=cpe1",
    ];

    [Test]
    public void ItWritesWhatUtf8JsonWriterWrites()
    {
        var ours = new IndentedJsonWriter();
        var buffer = new MemoryStream();
        using (var theirs = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            ours.WriteStartObject();
            theirs.WriteStartObject();
            for (int i = 0; i < Strings.Length; i++)
            {
                ours.WriteString("s" + i, Strings[i]);
                theirs.WriteString("s" + i, Strings[i]);
            }
            ours.WriteString("missing", null);
            theirs.WriteString("missing", (string?)null);
            ours.WriteNull("nothing");
            theirs.WriteNull("nothing");
            ours.WriteBoolean("yes", true);
            theirs.WriteBoolean("yes", true);
            ours.WriteNumber("big", long.MinValue);
            theirs.WriteNumber("big", long.MinValue);
            ours.WriteStartArray("empty");
            theirs.WriteStartArray("empty");
            ours.WriteEndArray();
            theirs.WriteEndArray();
            ours.WriteStartObject("nested \"name\"");
            theirs.WriteStartObject("nested \"name\"");
            ours.WriteStartArray("list");
            theirs.WriteStartArray("list");
            foreach (var s in Strings)
            {
                ours.WriteStringValue(s);
                theirs.WriteStringValue(s);
            }
            ours.WriteStartObject();
            theirs.WriteStartObject();
            ours.WriteEndObject();
            theirs.WriteEndObject();
            ours.WriteStartObject();
            theirs.WriteStartObject();
            ours.WriteNumber("n", 0);
            theirs.WriteNumber("n", 0);
            ours.WriteEndObject();
            theirs.WriteEndObject();
            ours.WriteEndArray();
            theirs.WriteEndArray();
            ours.WriteEndObject();
            theirs.WriteEndObject();
            ours.WriteEndObject();
            theirs.WriteEndObject();
        }
        Assert.That(ours.ToString(), Is.EqualTo(Encoding.UTF8.GetString(buffer.ToArray())));
    }
}
