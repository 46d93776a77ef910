using System.Net;
using Mpsa.Controller.Groups;
using Mpsa.Controller.Members;
using Mpsa.Controller.State;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>The controller's configuration file (documented key by key in packaging/controller.conf.example).</summary>
internal static class ControllerConfigFile
{
    public const string DefaultPath = "/etc/mpsa/controller.conf";

    private static readonly ValueParser<PrfId> PrfValue = new("a PRF (prfsha1, prfsha256, prfsha384, prfsha512)",
        static (string text, out PrfId value, out string? problem) =>
        {
            problem = null;
            (bool ok, value) = text switch
            {
                "prfsha1" => (true, PrfId.PRF_HMAC_SHA1),
                "prfsha256" => (true, PrfId.PRF_HMAC_SHA2_256),
                "prfsha384" => (true, PrfId.PRF_HMAC_SHA2_384),
                "prfsha512" => (true, PrfId.PRF_HMAC_SHA2_512),
                _ => (false, default),
            };
            return ok;
        });

    public static ControllerSettings Read(ConfigReader config, Action<ConfigError> warn)
    {
        var c = config.Section("controller", required: true);
        var settings = new ControllerSettings(
            c.Required("identity", ProtocolConfig.Identity),
            c.Optional("listen", ConfigValues.List(ConfigValues.Endpoint(defaultPort: 500)), [new IPEndPoint(IPAddress.Any, 500)]),
            c.Optional("proposals", ConfigValues.List(ProtocolConfig.IkeProposal), IkeSuite.DefaultProposals),
            c.Optional("esp_proposals", ConfigValues.List(ProtocolConfig.EspProposal),
                [new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128), new EspSuite(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE)]),
            ReadGroups(config),
            [],
            c.String("control_socket", "/run/mpsa/controller.sock")!,
            c.OneOf("log_level", ["debug", "info", "warning", "error"], "info"),
            c.Int("cookie_threshold", 0, 1_000_000, 100),
            c.Bool("install_child_sa", true))
        {
            Certificates = CertificateConfig.IsSet(c) ? CertificateConfig.Read(c, warn) : null,
        };
        CertificateConfig.CheckIdentity(c, settings.Certificates, settings.Identity);
        string stateDirectory = c.Optional("state_dir", ConfigValues.NonEmptyString, GroupStateStore.DefaultDirectory)!;
        string stateKey = c.Optional("state_key", ConfigValues.NonEmptyString, GroupStateStore.DefaultKeyPath(stateDirectory))!;
        if (StateKey.CheckMode(stateKey) is { } keyProblem)
        {
            c.Report("state_key", keyProblem);
        }
        if (settings.Groups.Values.FirstOrDefault(g => g.RequirePostQuantum) is { } pq && !settings.IkeProposals.Any(p => p.HasAdditionalKe))
        {
            c.Report("proposals", $"[group {pq.Name}] has require_pq = yes, but no proposal makes a post-quantum key exchange (add one ending in -ke1_mlkem768)");
        }
        var members = ReadMembers(config, settings.Groups, warn, CertificateConfig.IsSet(c));
        return settings with
        {
            Members = members,
            Limits = ReadLimits(c),
            FragmentSize = c.Int("fragment_size", 576, 65535, 1280),
            Mobike = c.Bool("mobike", true),
            KeyShareReuse = c.Optional("key_share_reuse", ConfigValues.DurationBetween(TimeSpan.Zero, TimeSpan.FromHours(1)), ControllerSettings.DefaultKeyShareReuse),
            MaxQueuedDatagrams = c.Int("max_pending_requests", 16, 1_000_000, 32768),
            Rekey = ProtocolConfig.ReadRekeyPolicy(c),
            LogFormat = c.OneOf("log_format", ControllerLogging.Formats, "text"),
            MetricsListen = c.Endpoint("metrics_listen", null, defaultPort: 9105),   // Prometheus: off unless set
            EspOnly = c.Optional("esp_only", ConfigValues.List(ProtocolConfig.EspOnly), [])!,
            StateDirectory = stateDirectory,
            StateKeyFile = stateKey,
            Cluster = Cluster.ClusterSettings.Read(config),
            NatTraversalListen = c.Bool("natt", true)
                ? [.. settings.Listen.Where(e => e.Port == 500).Select(e => new IPEndPoint(e.Address, 4500)).Except(settings.Listen)]
                : [],
        };
    }

    /// <summary>The max_* keys: what a flood or a malicious member may take (defaults in <see cref="ResponderLimits"/>).</summary>
    private static ResponderLimits ReadLimits(ConfigSection c)
    {
        var d = ResponderLimits.Default;
        return new ResponderLimits
        {
            MaxIkeSas = c.Int("max_ike_sas", 1, 10_000_000, d.MaxIkeSas),
            MaxIkeSasPerAddress = c.Int("max_ike_sas_per_address", 1, 10_000_000, d.MaxIkeSasPerAddress),
            MaxHalfOpen = c.Int("max_half_open", 1, 10_000_000, d.MaxHalfOpen),
            // RFC 7296 §2: an implementation must accept messages of 1280 bytes; UDP carries at most 65535.
            MaxMessageSize = c.Int("max_message_size", 1280, 65_535, d.MaxMessageSize),
            MaxPayloads = c.Int("max_payloads", 8, IkeMessage.MaxPayloads, d.MaxPayloads),
        };
    }

    private static Dictionary<string, GroupConfig> ReadGroups(ConfigReader config)
    {
        var groups = new Dictionary<string, GroupConfig>(StringComparer.Ordinal);
        foreach (var g in config.Sections("group", required: true))
        {
            var esp = g.Optional("esp", ProtocolConfig.EspProposal, new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128))!;
            var lifetime = g.Optional("lifetime", ConfigValues.DurationBetween(TimeSpan.FromSeconds(10), TimeSpan.FromDays(30)), TimeSpan.FromHours(1));
            var margin = g.Duration("rekey_margin", TimeSpan.FromMinutes(5));
            var roll1 = g.Duration("roll1", TimeSpan.FromSeconds(30));
            var roll2 = g.Duration("roll2", TimeSpan.FromSeconds(60));
            // docs/PROTOCOL.md §7: members would generate IVs under one key; a counter-mode AEAD is never offered
            // for a group.
            if (esp.IsCounterModeAead)
            {
                g.Report("esp", $"{SuiteNames.Name(esp)} is a counter-mode AEAD: every member would make IVs under the same key (use aes256-sha256 or another CBC + HMAC suite)");
            }
            if (roll1 < TimeSpan.FromSeconds(2))
            {
                g.Report("roll1", "must give the fan-out time to reach every member (at least 2s; it is retransmitted from 2 s on)");
            }
            if (roll2 <= roll1)
            {
                g.Report("roll2", $"must be longer than roll1 ({ConfigValues.FormatDuration(roll1)}): the old inbound SA has to outlive the switch of every sender");
            }
            if (margin <= roll2)
            {
                g.Report("rekey_margin", $"must be longer than roll2 ({ConfigValues.FormatDuration(roll2)}) so the rollover ends before the old SA's lifetime");
            }
            if (lifetime <= margin)
            {
                g.Report("lifetime", $"must be longer than rekey_margin ({ConfigValues.FormatDuration(margin)})");
            }
            groups[g.Name!] = new GroupConfig(g.Name!, esp,
                g.Optional("prf", PrfValue, PrfId.PRF_HMAC_SHA2_256),
                lifetime, margin, roll1, roll2,
                g.Bool("rekey_on_member_removal", true))
            {
                RequirePostQuantum = g.Bool("require_pq", false),
            };
        }
        return groups;
    }

    /// <summary>The key a member is found by: the type and value of its ID (<see cref="IdentificationPayload.MatchKey"/>).</summary>
    public static string IdentityKey(string identity) => IdentificationPayload.FromText(PayloadType.IDi, identity).MatchKey();

    private static List<MemberConfig> ReadMembers(ConfigReader config, IReadOnlyDictionary<string, GroupConfig> groups, Action<ConfigError> warn, bool certificates)
    {
        var members = new List<MemberConfig>();
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in config.Sections("member"))
        {
            string identity = m.Required("identity", ProtocolConfig.Identity);
            string group = m.String("group");
            if (group is not null && !groups.ContainsKey(group))
            {
                m.Report("group", $"no [group {group}] (groups: {string.Join(", ", groups.Keys)})");
            }
            if (identity is not null)
            {
                string key = IdentityKey(identity);
                if (!identities.TryAdd(key, m.Name!))
                {
                    m.Report("identity", $"'{identity}' is already the identity of [member {identities[key]}]");
                }
            }
            // no psk/psk_file: the member authenticates by certificate, when [controller] has certificate/private_key/ca
            bool byCertificate = certificates && !m.Has("psk") && !m.Has("psk_file");
            members.Add(new MemberConfig(m.Name!, identity ?? "", byCertificate ? null : ProtocolConfig.ReadPsk(m, warn), group ?? "", m.Bool("require_vendor_id", true)));
        }
        return members;
    }
}
