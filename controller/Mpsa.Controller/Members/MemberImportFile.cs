using System.Text;
using System.Text.Json;

namespace Mpsa.Controller.Members;

/// <summary>
/// The file `mpsa-controller member import FILE` reads: JSON (an array of objects with name, identity, group, psk,
/// require_vendor_id) or CSV (a header line naming the columns name, identity, group and optionally psk and
/// require_vendor_id; fields may be quoted with "; blank lines and lines starting with # are skipped). No psk: the
/// member authenticates by certificate.
/// </summary>
internal static class MemberImportFile
{
    private static readonly string[] Required = ["name", "identity", "group"];

    /// <summary>Every member of the file; problems (as <c>FILE:LINE: ...</c>) in <paramref name="problems"/>.</summary>
    public static List<MemberDraft> Read(string path, string text, List<string> problems) =>
        text.TrimStart().StartsWith('[') ? ReadJson(path, text, problems) : ReadCsv(path, text, problems);

    private static List<MemberDraft> ReadJson(string path, string text, List<string> problems)
    {
        var drafts = new List<MemberDraft>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            problems.Add($"{path}:{(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message.Split(" Path:")[0]})");
            return drafts;
        }
        using (document)
        {
            int index = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                index++;
                string where = $"{path}: entry {index}";
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{where}: not an object");
                    continue;
                }
                string? Text(string key) => entry.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var missing = Required.Where(k => string.IsNullOrEmpty(Text(k))).ToList();
                if (missing.Count > 0)
                {
                    problems.Add($"{where}: missing {string.Join(", ", missing)}");
                    continue;
                }
                // A psk that is not a string must not turn the member into a certificate member.
                bool hasPsk = entry.TryGetProperty("psk", out var psk) && psk.ValueKind != JsonValueKind.Null;
                if (hasPsk && psk.ValueKind != JsonValueKind.String)
                {
                    problems.Add($"{where}: psk is not a string");
                    continue;
                }
                bool hasVendorId = entry.TryGetProperty("require_vendor_id", out var vendorId) && vendorId.ValueKind != JsonValueKind.Null;
                if (hasVendorId && vendorId.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add($"{where}: require_vendor_id is not true or false");
                    continue;
                }
                string? pskText = hasPsk ? psk.GetString() : null;
                drafts.Add(new MemberDraft(where, Text("name")!, Text("identity")!, Text("group")!, string.IsNullOrEmpty(pskText) ? null : pskText,
                    !hasVendorId || vendorId.ValueKind == JsonValueKind.True));
            }
        }
        return drafts;
    }

    private static List<MemberDraft> ReadCsv(string path, string text, List<string> problems)
    {
        var drafts = new List<MemberDraft>();
        Dictionary<string, int>? columns = null;
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            string where = $"{path}:{lineNumber}";
            if (!TrySplit(line, out var fields))
            {
                problems.Add($"{where}: a quoted field is not closed");
                continue;
            }
            if (columns is null)
            {
                columns = fields.Select((f, i) => (f.Trim().ToLowerInvariant(), i)).ToDictionary(c => c.Item1, c => c.i);
                var missing = Required.Where(k => !columns.ContainsKey(k)).ToList();
                if (missing.Count > 0)
                {
                    problems.Add($"{where}: the header line names no {string.Join(", ", missing)} column (expected: name,identity,group,psk)");
                    return drafts;
                }
                continue;
            }
            string Field(string key) => columns.TryGetValue(key, out int i) && i < fields.Count ? fields[i].Trim() : "";
            var empty = Required.Where(k => Field(k).Length == 0).ToList();
            if (empty.Count > 0)
            {
                problems.Add($"{where}: missing {string.Join(", ", empty)}");
                continue;
            }
            string vendorId = Field("require_vendor_id").ToLowerInvariant();
            if (vendorId is not ("" or "yes" or "no" or "true" or "false"))
            {
                problems.Add($"{where}: require_vendor_id: '{vendorId}' is not yes or no");
                continue;
            }
            string psk = Field("psk");
            drafts.Add(new MemberDraft(where, Field("name"), Field("identity"), Field("group"), psk.Length == 0 ? null : psk,
                vendorId is not ("no" or "false")));
        }
        if (columns is null)
        {
            problems.Add($"{path}: no header line (name,identity,group,psk) and no member");
        }
        return drafts;
    }

    /// <summary>One CSV line's fields; a field in double quotes may hold commas, and "" stands for one quote.</summary>
    private static bool TrySplit(string line, out List<string> fields)
    {
        fields = [];
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return !quoted;
    }
}
