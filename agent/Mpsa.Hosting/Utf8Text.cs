using System.Text;

namespace Mpsa.Hosting;

/// <summary>
/// A text file's bytes as UTF-8, a byte-order mark skipped and invalid bytes as U+FFFD, as File.ReadAllText reads them
/// (without decoding UTF-16 and UTF-32, whose encoders cost the agent's binary 13 kB: those are named, not read).
/// </summary>
internal static class Utf8Text
{
    public static string Decode(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes);

    /// <summary>"UTF-16" or "UTF-32" when the bytes start with that encoding's byte-order mark; null otherwise.</summary>
    public static string? NamesAnotherEncoding(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0, 0]) || bytes.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]) ? "UTF-32"
        : bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) ? "UTF-16"
        : null;
}
