using System.Diagnostics.CodeAnalysis;

namespace Mpsa.Hosting;

/// <summary>
/// The typed layer over an <see cref="IniFile"/>. A daemon declares its schema by reading it: every
/// section kind asked for and every key read (or <see cref="ConfigSection.Has"/>'d) is known, so after
/// the daemon's read method, <see cref="Finish"/> reports every section and key that nobody asked for,
/// with a suggestion. All problems are collected, none thrown, and a failed read returns a usable
/// placeholder so the reading code needs no error branches:
/// <code>
/// static AgentConfig Read(ConfigReader config)
/// {
///     var controller = config.Section("controller", required: true);
///     var groups = config.Sections("group");
///     return new AgentConfig(
///         controller.Endpoint("address", defaultPort: 500),
///         controller.Duration("retry", TimeSpan.FromSeconds(30)),
///         [.. groups.Select(g => new GroupConfig(g.Name!, g.Required("psk", ConfigValues.Secret)))]);
/// }
/// if (!ConfigReader.TryLoad(path, AgentConfig.Read, out var config, out var errors)) { print errors; exit 78 }
/// </code>
/// </summary>
internal sealed class ConfigReader
{
    private readonly IniFile _file;
    private readonly List<ConfigError> _errors = [];
    private readonly Dictionary<IniSection, ConfigSection> _claimed = [];
    private readonly Dictionary<string, HashSet<string>> _knownKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _knownKinds = new(StringComparer.Ordinal);
    private bool _finished;

    public ConfigReader(IniFile file)
    {
        _file = file;
    }

    public string Path => _file.Path;

    /// <summary>
    /// Reads and checks a file in one go: <paramref name="read"/> builds the daemon's config object from the
    /// reader. True when there is no error at all; then <paramref name="config"/> is set.
    /// </summary>
    /// <remarks>A file that group or others may write is refused: whoever can change it can change the keys and peers.</remarks>
    public static bool TryLoad<T>(string path, Func<ConfigReader, T> read, [NotNullWhen(true)] out T? config, out IReadOnlyList<ConfigError> errors)
        where T : class
    {
        if (File.Exists(path) && SecretFile.IsWritableByGroupOrOthers(path))
        {
            string mode = OperatingSystem.IsWindows() ? "" : SecretFile.FormatMode(File.GetUnixFileMode(path));
            errors = [new ConfigError(path, 0, $"refused: mode {mode} lets group or others write it (chmod go-w)")];
            config = null;
            return false;
        }
        return TryRead(IniFile.Load(path), read, out config, out errors);
    }

    /// <inheritdoc cref="TryLoad"/>
    public static bool TryRead<T>(IniFile file, Func<ConfigReader, T> read, [NotNullWhen(true)] out T? config, out IReadOnlyList<ConfigError> errors)
        where T : class
    {
        var reader = new ConfigReader(file);
        var result = read(reader);
        errors = reader.Finish();
        config = errors.Count == 0 ? result : null;
        return config is not null;
    }

    /// <summary>
    /// The one <c>[kind]</c> section. Absent, it is an empty section (every key takes its default), and
    /// an error when <paramref name="required"/>. A name (<c>[kind x]</c>) or a repeat is an error.
    /// </summary>
    public ConfigSection Section(string kind, bool required = false)
    {
        _knownKinds.Add(kind);
        ConfigSection? first = null;
        foreach (var section in _file.Sections)
        {
            if (section.Kind != kind)
            {
                continue;
            }
            bool seen = _claimed.TryGetValue(section, out var claimed);
            claimed ??= Claim(section);
            if (first is null)
            {
                first = claimed;
                if (!seen && section.Name is not null)
                {
                    AddError(section.Path, section.Line, $"section [{kind}] takes no name (found {section.Header})");
                }
            }
            else if (!seen)
            {
                AddError(section.Path, section.Line, $"duplicate section [{kind}] (first at line {first.Line})");
            }
        }
        return first ?? Missing(kind, required, $"missing section [{kind}]");
    }

    /// <summary>
    /// Every <c>[kind NAME]</c> section, in file order. Each needs a distinct name; with
    /// <paramref name="required"/>, at least one must exist.
    /// </summary>
    public IReadOnlyList<ConfigSection> Sections(string kind, bool required = false)
    {
        _knownKinds.Add(kind);
        var result = new List<ConfigSection>();
        var byName = new Dictionary<string, ConfigSection>(StringComparer.Ordinal);
        foreach (var section in _file.Sections)
        {
            if (section.Kind != kind)
            {
                continue;
            }
            bool seen = _claimed.TryGetValue(section, out var claimed);
            claimed ??= Claim(section);
            if (section.Name is null)
            {
                if (!seen)
                {
                    AddError(section.Path, section.Line, $"section [{kind}] needs a name, like [{kind} NAME]");
                }
                continue;
            }
            if (byName.TryGetValue(section.Name, out var first))
            {
                if (!seen)
                {
                    AddError(section.Path, section.Line, $"duplicate section {section.Header} (first at line {first.Line})");
                }
                continue;
            }
            byName.Add(section.Name, claimed);
            result.Add(claimed);
        }
        if (result.Count == 0 && required)
        {
            AddOnce(new ConfigError(Path, 0, $"missing section [{kind} NAME] (at least one is needed)"));
        }
        return result;
    }

    /// <summary>
    /// Adds the errors for everything not asked for (unknown sections and keys) to those found so far,
    /// the file's syntax errors included, and returns them all in line order. Call after reading.
    /// </summary>
    public IReadOnlyList<ConfigError> Finish()
    {
        if (!_finished)
        {
            _finished = true;
            foreach (var section in _file.Sections)
            {
                if (!_knownKinds.Contains(section.Kind))
                {
                    _errors.Add(new ConfigError(section.Path, section.Line,
                        $"unknown section {section.Header}{DidYouMean.Hint(section.Kind, _knownKinds)}"));
                    continue;
                }
                if (!_claimed.ContainsKey(section))
                {
                    continue;   // already reported as nameless, duplicate or misnamed
                }
                var known = KnownKeys(section.Kind);
                foreach (var entry in section.Entries)
                {
                    if (!known.Contains(entry.Key))
                    {
                        _errors.Add(new ConfigError(entry.Path, entry.Line, $"unknown key '{entry.Key}'{DidYouMean.Hint(entry.Key, known)}"));
                    }
                }
            }
        }
        List<ConfigError> all = [.. _file.Errors, .. _errors];
        SortByLine(all);
        return all;
    }

    /// <summary>Insertion sort: stable, so errors on one line keep their order.</summary>
    private static void SortByLine(List<ConfigError> errors)
    {
        for (int i = 1; i < errors.Count; i++)
        {
            var error = errors[i];
            int j = i - 1;
            for (; j >= 0 && errors[j].Line > error.Line; j--)
            {
                errors[j + 1] = errors[j];
            }
            errors[j + 1] = error;
        }
    }

    /// <summary>Records a problem once, however often the key or section is read.</summary>
    internal void AddError(string path, int line, string message) => AddOnce(new ConfigError(path, line, message));

    internal HashSet<string> KnownKeys(string kind)
    {
        if (!_knownKeys.TryGetValue(kind, out var keys))
        {
            keys = new HashSet<string>(StringComparer.Ordinal);
            _knownKeys.Add(kind, keys);
        }
        return keys;
    }

    private ConfigSection Claim(IniSection section)
    {
        var claimed = new ConfigSection(this, section, exists: true);
        _claimed.Add(section, claimed);
        return claimed;
    }

    private ConfigSection Missing(string kind, bool required, string message)
    {
        if (required)
        {
            AddOnce(new ConfigError(Path, 0, message));
        }
        return new ConfigSection(this, new IniSection(kind, null, Path, 0), exists: false);
    }

    private void AddOnce(ConfigError error)
    {
        if (!_errors.Contains(error))
        {
            _errors.Add(error);
        }
    }
}
