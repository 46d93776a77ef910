namespace Mpsa.Hosting;

/// <summary>
/// One problem found in a configuration file, printed like a compiler diagnostic:
/// <c>/etc/mpsa/mpsa.conf:12: unknown key 'rol1' (did you mean 'roll1'?)</c>.
/// Line 0 means the file as a whole (it cannot be read, a required section is missing) and prints
/// as <c>PATH: message</c>. Parsing and checking never throw: they collect these.
/// </summary>
internal sealed record ConfigError(string Path, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{Path}:{Line}: {Message}" : $"{Path}: {Message}";
}
