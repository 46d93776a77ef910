namespace Mpsa.Hosting;

/// <summary>
/// One <c>key = value</c> line. <paramref name="Value"/> has its comment and surrounding blanks removed,
/// and a quoted value has its quotes and escapes (<c>\"</c>, <c>\\</c>) resolved; <paramref name="Quoted"/>
/// tells which form was written. The path and line stay with the entry for error messages.
/// </summary>
internal sealed record IniEntry(string Key, string Value, bool Quoted, string Path, int Line)
{
    /// <summary>Never prints the value: it may be a secret.</summary>
    public override string ToString() => $"{Path}:{Line}: {Key}";
}
