namespace Mpsa.Tests.Crypto;

/// <summary>Reads the 'case N' / 'name=hex' fixture files under Fixtures/crypto (lines starting with '#' are provenance).</summary>
internal static class KnownAnswers
{
    public static IReadOnlyList<KnownAnswerCase> Load(string fileName)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "crypto", fileName);
        var cases = new List<KnownAnswerCase>();
        Dictionary<string, string>? current = null;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("case ", StringComparison.Ordinal))
            {
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                cases.Add(new KnownAnswerCase(int.Parse(line[5..]), current));
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (current is null || eq <= 0)
            {
                throw new FormatException($"{fileName}: unexpected line '{line}'");
            }

            current[line[..eq]] = line[(eq + 1)..];
        }

        return cases;
    }
}

internal sealed record KnownAnswerCase(int Number, IReadOnlyDictionary<string, string> Values)
{
    public byte[] Bytes(string name) => Convert.FromHexString(Values[name]);

    public bool Has(string name) => Values.ContainsKey(name);

    public override string ToString() => $"case {Number}";
}
