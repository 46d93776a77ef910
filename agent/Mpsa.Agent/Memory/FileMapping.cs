using System.Globalization;

namespace Mpsa.Agent.Memory;

/// <summary>One line of /proc/PID/maps that maps a file: its address range, whether it may be written, and path.</summary>
internal sealed record FileMapping(nint Start, nuint Length, string Path, bool Writable)
{
    /// <summary>"start-end perms offset dev inode path"; null for anonymous and special mappings ([heap], [stack], deleted files).</summary>
    public static FileMapping? TryParse(string line)
    {
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || fields[4] == "0")
        {
            return null;
        }
        var path = fields[5].Trim();
        var range = fields[0].Split('-');
        if (!path.StartsWith('/') || path.EndsWith(" (deleted)", StringComparison.Ordinal) || range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
            || end <= start)
        {
            return null;
        }
        return new FileMapping((nint)start, (nuint)(end - start), path, Writable: fields[1].Contains('w', StringComparison.Ordinal));
    }
}
