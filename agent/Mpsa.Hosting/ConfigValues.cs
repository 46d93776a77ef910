using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mpsa.Hosting;

/// <summary>The value types a configuration key can have. Each says, in its error, what would be right.</summary>
internal static class ConfigValues
{
    /// <summary>Any text, empty included.</summary>
    public static ValueParser<string> String { get; } = new("a string", static (string text, out string value, out string? problem) =>
    {
        value = text;
        problem = null;
        return true;
    });

    /// <summary>Any text but the empty one.</summary>
    public static ValueParser<string> NonEmptyString { get; } = new("a non-empty string", static (string text, out string value, out string? problem) =>
    {
        value = text;
        problem = text.Length == 0 ? "the value is empty" : null;
        return text.Length != 0;
    });

    /// <summary>1-65535.</summary>
    public static ValueParser<int> Port { get; } = Integer(1, 65535, "a port");

    /// <summary><c>yes/no</c>, <c>true/false</c>, <c>on/off</c>, in any case.</summary>
    public static ValueParser<bool> Bool { get; } = new("a boolean (yes/no, true/false, on/off)", static (string text, out bool value, out string? problem) =>
    {
        problem = null;
        switch (text.ToLowerInvariant())
        {
            case "yes" or "true" or "on":
                value = true;
                return true;
            case "no" or "false" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    });

    /// <summary>A number with <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>, or plain seconds: <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>, <c>45</c>.</summary>
    public static ValueParser<TimeSpan> Duration { get; } = DurationBetween(TimeSpan.Zero, TimeSpan.MaxValue);

    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address (a scope like <c>%eth0</c> allowed).</summary>
    public static ValueParser<IPAddress> Address { get; } = new("an IP address", static (string text, out IPAddress value, out string? problem) =>
    {
        problem = null;
        return TryParseAddress(text, out value);
    });

    /// <summary>A secret written as text or as <c>0x</c>-prefixed hex (see <see cref="SecretFile.TryDecode"/>); never echoed.</summary>
    public static ValueParser<byte[]> Secret { get; } = new("a secret (text, or hex after '0x')", static (string text, out byte[] value, out string? problem) =>
        SecretFile.TryDecode(text, out value, out problem), sensitive: true);

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]: "an integer (1-10)".</summary>
    public static ValueParser<int> Integer(int min, int max, string what = "an integer") =>
        new($"{what} ({min}-{max})", (string text, out int value, out string? problem) =>
        {
            problem = null;
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
                && value >= min && value <= max;
        });

    /// <summary>A duration in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static ValueParser<TimeSpan> DurationBetween(TimeSpan min, TimeSpan max)
    {
        string range = min == TimeSpan.Zero && max == TimeSpan.MaxValue ? "" : $" from {FormatDuration(min)} to {FormatDuration(max)}";
        return new($"a duration{range} (like 500ms, 30s, 5m, 1h, 2d; a plain number is seconds)", (string text, out TimeSpan value, out string? problem) =>
        {
            problem = null;
            return TryParseDuration(text, out value) && value >= min && value <= max;
        });
    }

    /// <summary>
    /// <c>address:port</c> or <c>[IPv6]:port</c>; with <paramref name="defaultPort"/>, a bare address too
    /// (an IPv6 address without brackets is then taken whole).
    /// </summary>
    public static ValueParser<IPEndPoint> Endpoint(int? defaultPort = null)
    {
        string expected = defaultPort is null ? "an endpoint (address:port or [IPv6]:port)"
            : $"an endpoint (address, address:port or [IPv6]:port; port {defaultPort} if left out)";
        return new(expected, (string text, out IPEndPoint value, out string? problem) =>
        {
            problem = null;
            bool ok = TryParseEndpoint(text, defaultPort, out var endpoint);
            value = endpoint ?? new IPEndPoint(IPAddress.None, 0);
            return ok;
        });
    }

    /// <summary>One of a fixed list of words, compared ignoring case; gives the word as listed.</summary>
    public static ValueParser<string> OneOf(params string[] choices)
    {
        string[] copy = [.. choices];
        return new($"one of {Quoted(copy)}", (string text, out string value, out string? problem) =>
        {
            problem = null;
            var found = Array.Find(copy, c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase));
            value = found ?? "";
            return found is not null;
        });
    }

    /// <summary>
    /// An enum member by its name in kebab case, ignoring case: <c>AesCbc</c> is written <c>aes-cbc</c>,
    /// <c>Psk</c> <c>psk</c>. (Enum.GetNames/GetValues of a known type are AOT-safe.)
    /// </summary>
    public static ValueParser<TEnum> Choice<TEnum>() where TEnum : struct, Enum
    {
        string[] names = Array.ConvertAll(Enum.GetNames<TEnum>(), KebabCase);
        TEnum[] values = Enum.GetValues<TEnum>();
        return new($"one of {Quoted(names)}", (string text, out TEnum value, out string? problem) =>
        {
            problem = null;
            int i = Array.FindIndex(names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            value = i >= 0 ? values[i] : default;
            return i >= 0;
        });
    }

    /// <summary>'a', 'b', 'c'</summary>
    private static string Quoted(string[] words) => words.Length == 0 ? "" : $"'{string.Join("', '", words)}'";

    /// <summary>
    /// Items separated by commas, each trimmed and parsed by <paramref name="item"/>; an empty value is an
    /// empty list. An error names the first bad item.
    /// </summary>
    public static ValueParser<IReadOnlyList<T>> List<T>(ValueParser<T> item) =>
        new($"a comma-separated list of {item.Expected}", (string text, out IReadOnlyList<T> value, out string? problem) =>
        {
            var items = new List<T>();
            value = items;
            problem = null;
            if (text.Trim().Length == 0)
            {
                return true;
            }
            foreach (var part in text.Split(','))
            {
                var trimmed = part.Trim();
                if (trimmed.Length == 0)
                {
                    problem = "empty item in the comma-separated list";
                    return false;
                }
                if (!item.TryParse(trimmed, out var parsed, out var itemProblem))
                {
                    problem = itemProblem;
                    return false;
                }
                items.Add(parsed);
            }
            return true;
        });

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }
        long unitMs;
        if (span.EndsWith("ms", StringComparison.Ordinal))
        {
            unitMs = 1;
            span = span[..^2];
        }
        else
        {
            unitMs = span[^1] switch { 's' => 1000, 'm' => 60_000, 'h' => 3_600_000, 'd' => 86_400_000, _ => 0 };
            if (unitMs != 0)
            {
                span = span[..^1];
            }
            else
            {
                unitMs = 1000;
            }
        }
        // Digits only: no sign, no blanks, no exponent. TimeSpan holds at most about 9.2e14 milliseconds.
        if (span.IsEmpty || span.ContainsAnyExceptInRange('0', '9')
            || !long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out long count)
            || count > (long)TimeSpan.MaxValue.TotalMilliseconds / unitMs)
        {
            return false;
        }
        value = TimeSpan.FromMilliseconds(count * unitMs);
        return true;
    }

    /// <summary>The shortest exact form: 90 s is <c>90s</c>, 2 h is <c>2h</c>.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        long seconds = (long)duration.TotalSeconds;
        long ms = (long)duration.TotalMilliseconds;
        return ms % 1000 != 0 ? $"{ms}ms"
            : seconds == 0 ? "0s"
            : seconds % 86400 == 0 ? $"{seconds / 86400}d"
            : seconds % 3600 == 0 ? $"{seconds / 3600}h"
            : seconds % 60 == 0 ? $"{seconds / 60}m"
            : $"{seconds}s";
    }

    public static bool TryParseAddress(string text, out IPAddress value)
    {
        value = IPAddress.None;
        // IPAddress.TryParse also takes "1", "1.2" and "0x7f.1" as IPv4: only dotted quads are meant here.
        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (!IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
            value = v6;
            return true;
        }
        var parts = text.Split('.');
        if (parts.Length != 4 || Array.Exists(parts, p => p.Length is 0 or > 3 || p.AsSpan().ContainsAnyExceptInRange('0', '9')))
        {
            return false;
        }
        if (!IPAddress.TryParse(text, out var v4))
        {
            return false;
        }
        value = v4;
        return true;
    }

    public static bool TryParseEndpoint(string text, int? defaultPort, out IPEndPoint? value)
    {
        value = null;
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }
                portText = rest[1..];
            }
            if (!host.Contains(':', StringComparison.Ordinal))
            {
                return false;   // brackets are for IPv6 only
            }
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) == colon)
            {
                host = text[..colon];
                portText = text[(colon + 1)..];
            }
            else
            {
                host = text;    // no colon, or an unbracketed IPv6 address
            }
        }
        if (!TryParseAddress(host, out var address))
        {
            return false;
        }
        int port;
        if (portText is null)
        {
            if (defaultPort is null)
            {
                return false;
            }
            port = defaultPort.Value;
        }
        else if (portText.Length == 0 || portText.AsSpan().ContainsAnyExceptInRange('0', '9')
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }
        value = new IPEndPoint(address, port);
        return true;
    }

    /// <summary><c>AesCbc</c> → <c>aes-cbc</c>; <c>X25519</c> → <c>x25519</c>; <c>ENCR_AES_CBC</c> → <c>encr-aes-cbc</c>.</summary>
    public static string KebabCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c == '_')
            {
                builder.Append('-');
                continue;
            }
            if (char.IsAsciiLetterUpper(c) && i > 0 && (char.IsAsciiLetterLower(name[i - 1])
                || (i + 1 < name.Length && char.IsAsciiLetterLower(name[i + 1]) && char.IsAsciiLetterUpper(name[i - 1]))))
            {
                builder.Append('-');
            }
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }
}
