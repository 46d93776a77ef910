using System.Text;

namespace Mpsa.Hosting;

/// <summary>
/// Reads a pre-shared key from its own file: one line, surrounding blanks and the final newline
/// trimmed, taken as its UTF-8 bytes, or as hex after <c>0x</c> (<c>0x00ff…</c>). Messages never contain the
/// secret. The file should be <c>chmod 600</c>: <see cref="Read"/> warns when group or others may access it.
/// </summary>
internal static class SecretFile
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Longest secret file read; a key file is a line, not a document.</summary>
    public const int MaxFileLength = 64 * 1024;

    public static SecretFileResult Read(string path)
    {
        byte[] content;
        try
        {
            using var handle = File.OpenHandle(path);
            long length = RandomAccess.GetLength(handle);
            if (length > MaxFileLength)
            {
                return new(null, new ConfigError(path, 0, $"secret file is larger than {MaxFileLength} bytes"), null);
            }
            content = new byte[length];
            for (int filled = 0, read; filled < content.Length; filled += read)
            {
                read = RandomAccess.Read(handle, content.AsSpan(filled), filled);
                if (read == 0)
                {
                    throw new EndOfStreamException("the secret file became shorter while it was read");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, new ConfigError(path, 0, $"cannot read secret file: {FileErrorText.Of(e, path)}"), null);
        }
        try
        {
            var warning = AllowsGroupOrOtherAccess(path, out var mode)
                ? new ConfigError(path, 0, $"warning: secret file has mode {FormatMode(mode)}, which lets group or others at it (chmod 600)")
                : null;
            return TryDecode(content, out var secret, out var problem)
                ? new(secret, null, warning)
                : new(null, new ConfigError(path, 0, problem!), warning);
        }
        finally
        {
            Array.Clear(content);
        }
    }

    /// <summary>Decodes a secret written in a config value: the same rules as a secret file's line.</summary>
    public static bool TryDecode(string text, out byte[] secret, out string? problem)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            return TryDecode(bytes, out secret, out problem);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>Trims blanks and line ends; then one line, as hex after <c>0x</c> or else as the bytes themselves.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> content, out byte[] secret, out string? problem)
    {
        secret = [];
        var line = content.Trim(" \t\r\n"u8);
        if (line.IsEmpty)
        {
            problem = "the secret is empty";
            return false;
        }
        if (line.IndexOfAny("\r\n"u8) >= 0)
        {
            problem = "the secret must be a single line";
            return false;
        }
        if (line.Length < 2 || line[0] != '0' || line[1] is not ((byte)'x' or (byte)'X'))
        {
            secret = line.ToArray();
            problem = null;
            return true;
        }
        var hex = line[2..];
        if (hex.IsEmpty || hex.Length % 2 != 0)
        {
            problem = "the hex secret after '0x' needs an even, non-zero number of digits";
            return false;
        }
        var decoded = new byte[hex.Length / 2];
        for (int i = 0; i < decoded.Length; i++)
        {
            int high = HexValue(hex[2 * i]), low = HexValue(hex[(2 * i) + 1]);
            if (high < 0 || low < 0)
            {
                Array.Clear(decoded);
                problem = "the hex secret after '0x' has a character that is not a hex digit";
                return false;
            }
            decoded[i] = (byte)((high << 4) | low);
        }
        secret = decoded;
        problem = null;
        return true;
    }

    /// <summary>True when any group or other permission bit is set (read, write or execute).</summary>
    public static bool AllowsGroupOrOtherAccess(string path) => AllowsGroupOrOtherAccess(path, out _);

    /// <summary>True when group or others may write the file: then they could change what the daemon trusts.</summary>
    public static bool IsWritableByGroupOrOthers(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
    }

    /// <summary>Octal, as chmod writes it: <c>0644</c>.</summary>
    public static string FormatMode(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    private static bool AllowsGroupOrOtherAccess(string path, out UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            mode = UnixFileMode.None;
            return false;
        }
        mode = File.GetUnixFileMode(path);
        return (mode & GroupOrOther) != 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
