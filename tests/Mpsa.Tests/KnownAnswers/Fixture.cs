namespace Mpsa.Tests.KnownAnswers;

/// <summary>A `key = hex-or-text` fixture file with `# source:`/`# how:` provenance lines (Fixtures/*/README.md).</summary>
internal sealed class Fixture
{
    private readonly Dictionary<string, string> _values;

    private Fixture(string name, Dictionary<string, string> values)
    {
        Name = name;
        _values = values;
    }

    public string Name { get; }

    public static string Directory(string folder) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", folder);

    public static IEnumerable<string> Names(string folder) =>
        System.IO.Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", folder), "*.txt").Select(Path.GetFileNameWithoutExtension).Order()!;

    public static Fixture Load(string folder, string name)
    {
        var values = new Dictionary<string, string>();
        foreach (string line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", folder, name + ".txt")))
        {
            if (line.StartsWith('#') || !line.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return new Fixture(name, values);
    }

    public string Text(string key) => _values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"{Name}: no '{key}'");

    public byte[] Hex(string key) => Convert.FromHexString(Text(key));

    public ulong Spi(string key) => Convert.ToUInt64(Text(key), 16);
}
