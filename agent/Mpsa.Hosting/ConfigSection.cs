using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Mpsa.Hosting;

/// <summary>
/// One section as the daemon reads it. Each read declares the key known for every section of this
/// kind and records any problem with it: a missing required key (at the header's line), a duplicate,
/// a value of the wrong type. A method without a default value reads a required key; on any problem
/// it returns a placeholder (<c>default</c>) that the caller never sees, because the load then fails.
/// </summary>
internal sealed class ConfigSection
{
    private readonly ConfigReader _reader;
    private readonly IniSection _section;

    internal ConfigSection(ConfigReader reader, IniSection section, bool exists)
    {
        _reader = reader;
        _section = section;
        Exists = exists;
    }

    public string Kind => _section.Kind;

    /// <summary>The name of a <c>[kind name]</c> section; null for <c>[kind]</c>.</summary>
    public string? Name => _section.Name;

    /// <summary>False for a section that is not in the file (all keys then take their defaults).</summary>
    public bool Exists { get; }

    public string Path => _section.Path;

    public int Line => _section.Line;

    public string Header => _section.Header;

    /// <summary>Declares <paramref name="key"/> known and tells whether it is set.</summary>
    public bool Has(string key)
    {
        _reader.KnownKeys(Kind).Add(key);
        return First(key) is not null;
    }

    /// <summary>Declares keys known without reading them (read elsewhere, or accepted and ignored).</summary>
    public void Allow(params string[] keys) => _reader.KnownKeys(Kind).UnionWith(keys);

    /// <summary>
    /// Reports a problem the types cannot see (<c>roll2</c> before <c>roll1</c>) at the key's line, or at the
    /// header's when the key is not set: <c>PATH:LINE: key: message</c>.
    /// </summary>
    public void Report(string key, string message)
    {
        var entry = First(key);
        _reader.AddError(Path, entry?.Line ?? Line, $"{key}: {message}");
    }

    /// <summary>A warning (the load still succeeds) at the key's line, or the header's: <c>PATH:LINE: key: warning: message</c>.</summary>
    public ConfigError Warning(string key, string message) => new(Path, First(key)?.Line ?? Line, $"{key}: warning: {message}");

    public T Required<T>(string key, ValueParser<T> type)
    {
        if (Find(key) is { } entry)
        {
            return Parse(entry, type, default!)!;
        }
        if (Exists)
        {
            _reader.AddError(Path, Line, $"missing required key '{key}' in {Header}");
        }
        return default!;
    }

    [return: NotNullIfNotNull(nameof(defaultValue))]
    public T? Optional<T>(string key, ValueParser<T> type, T? defaultValue) =>
        Find(key) is { } entry ? Parse(entry, type, defaultValue) : defaultValue;

    public string String(string key) => Required(key, ConfigValues.NonEmptyString);

    [return: NotNullIfNotNull(nameof(defaultValue))]
    public string? String(string key, string? defaultValue) => Optional(key, ConfigValues.String, defaultValue);

    public int Int(string key, int min, int max) => Required(key, ConfigValues.Integer(min, max));

    public int Int(string key, int min, int max, int defaultValue) => Optional(key, ConfigValues.Integer(min, max), defaultValue);

    public int Port(string key) => Required(key, ConfigValues.Port);

    public int Port(string key, int defaultValue) => Optional(key, ConfigValues.Port, defaultValue);

    public bool Bool(string key) => Required(key, ConfigValues.Bool);

    public bool Bool(string key, bool defaultValue) => Optional(key, ConfigValues.Bool, defaultValue);

    public TimeSpan Duration(string key) => Required(key, ConfigValues.Duration);

    public TimeSpan Duration(string key, TimeSpan defaultValue) => Optional(key, ConfigValues.Duration, defaultValue);

    public IPAddress Address(string key) => Required(key, ConfigValues.Address);

    [return: NotNullIfNotNull(nameof(defaultValue))]
    public IPAddress? Address(string key, IPAddress? defaultValue) => Optional(key, ConfigValues.Address, defaultValue);

    /// <summary>A required endpoint; with <paramref name="defaultPort"/> the port may be left out.</summary>
    public IPEndPoint Endpoint(string key, int? defaultPort = null) => Required(key, ConfigValues.Endpoint(defaultPort));

    [return: NotNullIfNotNull(nameof(defaultValue))]
    public IPEndPoint? Endpoint(string key, IPEndPoint? defaultValue, int? defaultPort = null) =>
        Optional(key, ConfigValues.Endpoint(defaultPort), defaultValue);

    public string OneOf(string key, string[] choices) => Required(key, ConfigValues.OneOf(choices));

    public string OneOf(string key, string[] choices, string defaultValue) => Optional(key, ConfigValues.OneOf(choices), defaultValue);

    public TEnum Choice<TEnum>(string key) where TEnum : struct, Enum => Required(key, ConfigValues.Choice<TEnum>());

    public TEnum Choice<TEnum>(string key, TEnum defaultValue) where TEnum : struct, Enum =>
        Optional(key, ConfigValues.Choice<TEnum>(), defaultValue);

    /// <summary>A comma-separated list of strings; empty when not set.</summary>
    public IReadOnlyList<string> List(string key) => List(key, ConfigValues.NonEmptyString);

    /// <summary>A comma-separated list of <paramref name="item"/>s; empty when not set.</summary>
    public IReadOnlyList<T> List<T>(string key, ValueParser<T> item) => Optional(key, ConfigValues.List(item), []);

    public override string ToString() => Header;

    /// <summary>The first entry for <paramref name="key"/>, without reporting repeats.</summary>
    private IniEntry? First(string key)
    {
        foreach (var entry in _section.Entries)
        {
            if (entry.Key == key)
            {
                return entry;
            }
        }
        return null;
    }

    /// <summary>The first entry for <paramref name="key"/>, after reporting any repeats of it.</summary>
    private IniEntry? Find(string key)
    {
        _reader.KnownKeys(Kind).Add(key);
        IniEntry? first = null;
        foreach (var entry in _section.Entries)
        {
            if (entry.Key != key)
            {
                continue;
            }
            if (first is null)
            {
                first = entry;
            }
            else
            {
                _reader.AddError(entry.Path, entry.Line, $"duplicate key '{key}' (first at line {first.Line})");
            }
        }
        return first;
    }

    private T? Parse<T>(IniEntry entry, ValueParser<T> type, T? fallback)
    {
        if (type.TryParse(entry.Value, out var value, out var problem))
        {
            return value;
        }
        _reader.AddError(entry.Path, entry.Line, $"{entry.Key}: {problem}");
        return fallback;
    }
}
