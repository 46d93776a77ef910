using System.Text;

namespace Mpsa.Hosting;

/// <summary>
/// A text file's bytes as UTF-8, a byte-order mark skipped and invalid bytes as U+FFFD, as File.ReadAllText reads them
/// (without its UTF-16 and UTF-32 detection, whose encoders cost the agent's binary 13 kB).
/// </summary>
internal static class Utf8Text
{
    public static string Decode(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes);
}
