namespace Mpsa.Hosting;

/// <summary>
/// A <c>[kind]</c> or <c>[kind name]</c> header and the entries below it, in file order
/// (duplicates kept: the typed reader reports them). <c>[member cpe1]</c> has Kind "member", Name "cpe1".
/// </summary>
internal sealed class IniSection(string kind, string? name, string path, int line)
{
    private readonly List<IniEntry> _entries = [];

    public string Kind { get; } = kind;

    public string? Name { get; } = name;

    public string Path { get; } = path;

    /// <summary>The header's line; 0 for a section that is not in the file.</summary>
    public int Line { get; } = line;

    public IReadOnlyList<IniEntry> Entries => _entries;

    /// <summary>The header as written, normalised: <c>[group office]</c>.</summary>
    public string Header => Name is null ? $"[{Kind}]" : $"[{Kind} {Name}]";

    internal void Add(IniEntry entry) => _entries.Add(entry);

    public override string ToString() => Header;
}
