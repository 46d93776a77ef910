using System.Globalization;

namespace Mpsa.Bench;

/// <summary>`--key value` pairs after the scenario name; every key must be read, so a typo is an error.</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public BenchArgs(IEnumerable<string> args)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string key = e.Current;
            if (!key.StartsWith("--", StringComparison.Ordinal) || !e.MoveNext())
            {
                throw new ArgumentException($"expected --key value, got '{key}'");
            }
            _values[key[2..]] = e.Current;
        }
    }

    public string String(string key, string? fallback = null)
    {
        _read.Add(key);
        return _values.TryGetValue(key, out var v) ? v : fallback ?? throw new ArgumentException($"missing --{key}");
    }

    public int Int(string key, int fallback) =>
        _values.ContainsKey(key) ? int.Parse(String(key), CultureInfo.InvariantCulture) : Mark(key, fallback);

    public bool Flag(string key) => _values.ContainsKey(key) ? String(key) is "1" or "yes" or "true" : Mark(key, false);

    /// <summary>Throws for keys nobody asked for.</summary>
    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(k => "--" + k))}");
        }
    }

    private T Mark<T>(string key, T value)
    {
        _read.Add(key);
        return value;
    }
}
