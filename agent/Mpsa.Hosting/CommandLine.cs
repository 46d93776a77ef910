namespace Mpsa.Hosting;

/// <summary>`NAME COMMAND [--flag] [--option VALUE]...`: the daemons' small, strict command line.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    private CommandLine(string command) => Command = command;

    public string Command { get; }

    /// <summary>Parses; null (with <paramref name="error"/>) for an unknown option or a missing value.</summary>
    public static CommandLine? Parse(string[] args, IReadOnlySet<string> flags, IReadOnlySet<string> valued, out string? error)
    {
        error = null;
        if (args.Length == 0)
        {
            error = "no command given";
            return null;
        }
        var line = new CommandLine(args[0]);
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            if (flags.Contains(a))
            {
                line._options[a] = null;
            }
            else if (valued.Contains(a) && i + 1 < args.Length)
            {
                line._options[a] = args[++i];
            }
            else
            {
                error = valued.Contains(a) ? $"{a} needs a value" : $"unknown option '{a}'";
                return null;
            }
        }
        return line;
    }

    public bool Has(string flag) => _options.ContainsKey(flag);

    public string? Value(string option) => _options.TryGetValue(option, out var v) ? v : null;
}
