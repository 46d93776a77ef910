using System.Globalization;
using System.Net.Sockets;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Hosting;

/// <summary>Config values both daemons read the same way: proposals in swanctl syntax, and a PSK inline or from a file.</summary>
internal static class ProtocolConfig
{
    public static ValueParser<IkeSuite> IkeProposal { get; } = new($"an IKE proposal ({SuiteNames.IkeSyntax})",
        static (string text, out IkeSuite value, out string? problem) => SuiteNames.TryParseIke(text, out value, out problem));

    public static ValueParser<EspSuite> EspProposal { get; } = new($"an ESP proposal ({SuiteNames.EspSyntax})",
        static (string text, out EspSuite value, out string? problem) => SuiteNames.TryParseEsp(text, out value, out problem));

    /// <summary>`esp_only` entries: tcp/179, udp/53, or a whole protocol (gre, icmp, a number 1-255).</summary>
    public static ValueParser<(ProtocolType Protocol, ushort Port)> EspOnly { get; } = new(
        "traffic to keep inside the CHILD_SA (tcp/PORT, udp/PORT, or a protocol: gre, icmp, a number 1-255)",
        static (string text, out (ProtocolType Protocol, ushort Port) value, out string? problem) =>
        {
            problem = null;
            value = default;
            int slash = text.IndexOf('/', StringComparison.Ordinal);
            string name = slash < 0 ? text : text[..slash];
            ProtocolType? protocol = name switch
            {
                "tcp" => ProtocolType.Tcp,
                "udp" => ProtocolType.Udp,
                "gre" => (ProtocolType)47,
                "icmp" => ProtocolType.Icmp,
                _ when byte.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out byte n) && n > 0
                    => (ProtocolType)n,
                _ => null,
            };
            if (protocol is not { } p)
            {
                return false;
            }
            if (slash < 0)
            {
                value = (p, 0);
                return true;
            }
            if (p is not (ProtocolType.Tcp or ProtocolType.Udp))
            {
                problem = $"'{text}': only tcp and udp have ports";
                return false;
            }
            if (!ushort.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
            {
                problem = $"'{text}': the port must be 1-65535";
                return false;
            }
            value = (p, port);
            return true;
        });

    /// <summary>An IKE identity as <see cref="IdentificationPayload.TryFromText"/> reads it; the text is kept as written.</summary>
    public static ValueParser<string> Identity { get; } = new(IdentificationPayload.TextSyntax,
        static (string text, out string value, out string? problem) =>
        {
            value = text;
            return IdentificationPayload.TryFromText(PayloadType.IDi, text, out _, out problem);
        });

    /// <summary>
    /// `psk = ...` or `psk_file = PATH`, exactly one. A file readable by group or others, and a key shorter than
    /// <see cref="ShortPskBytes"/>, get a warning through <paramref name="warn"/>; the secret is never in any message.
    /// </summary>
    public static SecretBytes ReadPsk(ConfigSection section, Action<ConfigError> warn)
    {
        bool inline = section.Has("psk");
        bool file = section.Has("psk_file");
        if (inline == file)
        {
            section.Report(inline ? "psk_file" : "psk", inline ? "give either psk or psk_file, not both" : "missing psk (or psk_file = PATH)");
            return new SecretBytes(1);
        }
        string key = inline ? "psk" : "psk_file";
        byte[]? psk = inline ? section.Required(key, ConfigValues.Secret) : ReadPskFile(section, warn);
        if (psk is null)
        {
            return new SecretBytes(1);
        }
        try
        {
            if (psk.Length < ShortPskBytes)
            {
                warn(section.Warning(key, ShortPskWarning(psk.Length)));
            }
            return SecretBytes.CopyFrom(psk);
        }
        finally
        {
            Array.Clear(psk);
        }
    }

    /// <summary>Below this many bytes a PSK is warned about: 128 bits, if every byte is random.</summary>
    public const int ShortPskBytes = 16;

    public static string ShortPskWarning(int length) =>
        $"a PSK of {length} bytes can be guessed offline by whoever answers one peer in the other's place (RFC 7296 §2.15); " +
        $"use {ShortPskBytes} or more random bytes (`openssl rand -hex 32`, written 0x...)";

    private static byte[]? ReadPskFile(ConfigSection section, Action<ConfigError> warn)
    {
        var result = SecretFile.Read(section.Required("psk_file", ConfigValues.NonEmptyString));
        if (result.Warning is { } w)
        {
            warn(w);
        }
        if (result.Secret is null)
        {
            section.Report("psk_file", result.Error?.Message ?? "cannot read the PSK file");
        }
        return result.Secret;
    }

    /// <summary>ike_lifetime, child_lifetime, rekey_jitter and reauth_time: when this side rekeys (RFC 7296 §2.8)
    /// and reauthenticates (§2.8.3).</summary>
    public static RekeyPolicy ReadRekeyPolicy(ConfigSection section)
    {
        var d = RekeyPolicy.Default;
        var ike = section.Optional("ike_lifetime", ConfigValues.DurationBetween(TimeSpan.FromSeconds(10), TimeSpan.FromDays(30)), d.IkeLifetime);
        var child = section.Optional("child_lifetime", ConfigValues.DurationBetween(TimeSpan.FromSeconds(10), TimeSpan.FromDays(30)), d.ChildLifetime);
        int jitter = section.Optional("rekey_jitter", Percent, d.JitterPercent);
        var reauth = section.Optional("reauth_time", ReauthTime, TimeSpan.Zero);
        return new RekeyPolicy(ike, child, jitter) { ReauthTime = reauth };
    }

    private static readonly ValueParser<TimeSpan> ReauthDuration = ConfigValues.DurationBetween(TimeSpan.FromSeconds(30), TimeSpan.FromDays(365));

    /// <summary>A duration from 30 s to 365 d, or 0 / no / off for never.</summary>
    private static ValueParser<TimeSpan> ReauthTime { get; } = new("a duration from 30s to 365d (like 12h, 7d), or 0/no for never",
        static (string text, out TimeSpan value, out string? problem) =>
        {
            problem = null;
            if (text is "0" or "no" or "off" or "never")
            {
                value = TimeSpan.Zero;
                return true;
            }
            return ReauthDuration.TryParse(text, out value, out _);
        });

    private static ValueParser<int> Percent { get; } = new("a percentage from 0% to 50%", static (string text, out int value, out string? problem) =>
    {
        string digits = text.EndsWith('%') ? text[..^1] : text;
        if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value)
            && value is >= 0 and <= 50)
        {
            problem = null;
            return true;
        }
        problem = $"'{text}' is not a percentage from 0% to 50%";
        return false;
    });
}
