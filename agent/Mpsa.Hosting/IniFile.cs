namespace Mpsa.Hosting;

/// <summary>
/// A line-oriented INI file: <c>[kind]</c> or <c>[kind name]</c> headers, <c>key = value</c> entries,
/// and comments. Every line stands alone, so every entry and every error has a line number.
/// <list type="bullet">
/// <item>A line whose first non-blank character is <c>#</c> or <c>;</c> is a comment; so is the rest of a
/// line after a <c>#</c> or <c>;</c> that starts a value or follows a blank (<c>port = 500  # IKE</c>).</item>
/// <item>A value in double quotes keeps everything inside, comment characters included; <c>\"</c> and
/// <c>\\</c> are its only escapes. Only blanks and a comment may follow the closing quote.</item>
/// <item>Keys and section kinds are letters, digits, <c>_</c>, <c>-</c> and <c>.</c>; a section name may also
/// be quoted. Entries before the first header are an error.</item>
/// </list>
/// Syntax errors are collected in <see cref="Errors"/>; parsing never throws.
/// </summary>
internal sealed class IniFile
{
    /// <summary>Longest line accepted; longer lines are reported, not read.</summary>
    public const int MaxLineLength = 4096;

    private IniFile(string path, IReadOnlyList<IniSection> sections, IReadOnlyList<ConfigError> errors)
    {
        Path = path;
        Sections = sections;
        Errors = errors;
    }

    public string Path { get; }

    /// <summary>Sections in file order, repeated kinds and names included.</summary>
    public IReadOnlyList<IniSection> Sections { get; }

    /// <summary>Syntax errors, in line order.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>Reads and parses a file; a file that cannot be read gives one error at line 0.</summary>
    public static IniFile Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new IniFile(path, [], [new ConfigError(path, 0, $"cannot read: {FileErrorText.Of(e, path)}")]);
        }
        if (Utf8Text.NamesAnotherEncoding(bytes) is { } encoding)
        {
            return new IniFile(path, [], [new ConfigError(path, 0, $"the file is {encoding} (its byte-order mark says so): save it as UTF-8")]);
        }
        return Parse(path, Utf8Text.Decode(bytes));
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="path"/> only labels entries and errors.</summary>
    public static IniFile Parse(string path, string text)
    {
        var sections = new List<IniSection>();
        var errors = new List<ConfigError>();
        IniSection? current = null;
        int lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (rawLine.Length > MaxLineLength)
            {
                errors.Add(new ConfigError(path, lineNumber, $"line longer than {MaxLineLength} characters"));
                continue;
            }
            var line = rawLine.Trim();
            if (line.IsEmpty || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[')
            {
                if (TryParseHeader(line, out var kind, out var name, out var problem))
                {
                    current = new IniSection(kind, name, path, lineNumber);
                    sections.Add(current);
                }
                else
                {
                    errors.Add(new ConfigError(path, lineNumber, problem));
                    // A bad header still opens a (discarded) section, so its entries are neither blamed on
                    // the previous section nor reported once more as being outside any section.
                    current = new IniSection("", null, path, lineNumber);
                    sections.Add(current);
                }
                continue;
            }
            if (!TryParseEntry(line, out var key, out var value, out bool quoted, out var entryProblem))
            {
                errors.Add(new ConfigError(path, lineNumber, entryProblem));
                continue;
            }
            if (current is null)
            {
                errors.Add(new ConfigError(path, lineNumber, $"'{key}' is outside any section (add a [section] header above it)"));
                continue;
            }
            current.Add(new IniEntry(key, value, quoted, path, lineNumber));
        }
        sections.RemoveAll(s => s.Kind.Length == 0);
        return new IniFile(path, sections, errors);
    }

    private static bool TryParseHeader(ReadOnlySpan<char> line, out string kind, out string? name, out string problem)
    {
        kind = "";
        name = null;
        int close = line.IndexOf(']');
        if (close < 0)
        {
            problem = "missing ']' in section header";
            return false;
        }
        var after = line[(close + 1)..].TrimStart();
        if (!after.IsEmpty && after[0] is not ('#' or ';'))
        {
            problem = $"unexpected '{after}' after section header";
            return false;
        }
        var inside = line[1..close].Trim();
        int blank = inside.IndexOfAny(' ', '\t');
        var kindSpan = blank < 0 ? inside : inside[..blank];
        if (kindSpan.IsEmpty)
        {
            problem = "empty section header";
            return false;
        }
        if (!IsName(kindSpan))
        {
            problem = $"'{kindSpan}' is not a section kind (letters, digits, '_', '-', '.')";
            return false;
        }
        kind = kindSpan.ToString();
        if (blank < 0)
        {
            problem = "";
            return true;
        }
        var nameSpan = inside[blank..].Trim();
        if (nameSpan[0] == '"')
        {
            if (!TryUnquote(nameSpan, out var unquoted, out int end) || !nameSpan[end..].IsEmpty || unquoted.Length == 0)
            {
                problem = $"bad quoted section name in [{kind} {nameSpan}]";
                return false;
            }
            name = unquoted;
        }
        else if (IsName(nameSpan))
        {
            name = nameSpan.ToString();
        }
        else
        {
            problem = $"'{nameSpan}' is not a section name (one word, or in double quotes)";
            return false;
        }
        problem = "";
        return true;
    }

    private static bool TryParseEntry(ReadOnlySpan<char> line, out string key, out string value, out bool quoted, out string problem)
    {
        key = "";
        value = "";
        quoted = false;
        int equals = line.IndexOf('=');
        if (equals < 0)
        {
            problem = IsName(line) ? $"'{line}' has no value (expected '{line} = value')" : "expected 'key = value' or '[section]'";
            return false;
        }
        var keySpan = line[..equals].TrimEnd();
        if (keySpan.IsEmpty)
        {
            problem = "missing key before '='";
            return false;
        }
        if (!IsName(keySpan))
        {
            problem = $"'{keySpan}' is not a key (letters, digits, '_', '-', '.')";
            return false;
        }
        key = keySpan.ToString();
        var rest = line[(equals + 1)..].TrimStart();
        if (!rest.IsEmpty && rest[0] == '"')
        {
            if (!TryUnquote(rest, out value, out int end))
            {
                problem = $"{key}: unterminated quoted value";
                return false;
            }
            var tail = rest[end..].TrimStart();
            if (!tail.IsEmpty && tail[0] is not ('#' or ';'))
            {
                problem = $"{key}: unexpected text after the closing quote";
                return false;
            }
            quoted = true;
            problem = "";
            return true;
        }
        value = StripComment(rest).ToString();
        problem = "";
        return true;
    }

    /// <summary>Cuts a trailing comment: '#' or ';' at the start or after a blank.</summary>
    private static ReadOnlySpan<char> StripComment(ReadOnlySpan<char> value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] is '#' or ';' && (i == 0 || value[i - 1] is ' ' or '\t'))
            {
                return value[..i].TrimEnd();
            }
        }
        return value.TrimEnd();
    }

    /// <summary>Reads <c>"..."</c> at the start of <paramref name="text"/>; <paramref name="end"/> is the index after the closing quote.</summary>
    private static bool TryUnquote(ReadOnlySpan<char> text, out string value, out int end)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"')
            {
                value = builder.ToString();
                end = i + 1;
                return true;
            }
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
            {
                builder.Append(text[++i]);
                continue;
            }
            builder.Append(c);
        }
        value = "";
        end = text.Length;
        return false;
    }

    private static bool IsName(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
