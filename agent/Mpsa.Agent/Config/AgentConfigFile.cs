using System.Net;
using Mpsa.Hosting;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.Config;

/// <summary>The agent's configuration file (every key documented in packaging/openwrt/mpsa.conf).</summary>
internal static class AgentConfigFile
{
    public const string DefaultPath = "/etc/mpsa/mpsa.conf";

    public static AgentSettings Read(ConfigReader config, Action<ConfigError> warn) => Read(config, warn, Capabilities.Here);

    /// <summary>Reads the file for a system that can compute <paramref name="capabilities"/>: what it cannot is a config error.</summary>
    public static AgentSettings Read(ConfigReader config, Action<ConfigError> warn, Capabilities capabilities)
    {
        var agent = config.Section("agent", required: true);
        var controller = config.Section("controller", required: true);
        var retryMin = agent.Optional("retry_min", ConfigValues.DurationBetween(TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)), TimeSpan.FromSeconds(1));
        var retryMax = agent.Optional("retry_max", ConfigValues.DurationBetween(TimeSpan.FromSeconds(1), TimeSpan.FromHours(24)), TimeSpan.FromMinutes(2));
        if (retryMax < retryMin)
        {
            agent.Report("retry_max", $"must not be shorter than retry_min ({ConfigValues.FormatDuration(retryMin)})");
        }
        var certificates = ReadCertificates(agent, warn, capabilities);
        var proposals = agent.Optional("proposals", ConfigValues.List(ProtocolConfig.IkeProposal), IkeSuite.DefaultProposals);
        foreach (var unusable in proposals)
        {
            if (capabilities.Usable(unusable))
            {
                continue;
            }
            // proposing it would abort the process when the controller picks it
            agent.Report("proposals", $"{SuiteNames.Name(unusable)} needs libssl (opkg install libopenssl3), which this system lacks");
        }
        var controllers = ReadControllers(controller);
        bool childSa = agent.Bool("child_sa", true);
        // read by the init script (procd's interface trigger); checked here so that a typo is a config error
        string? uplinkInterface = agent.String("uplink_interface", null);
        if (uplinkInterface is not null && !IsInterfaceName(uplinkInterface))
        {
            agent.Report("uplink_interface", $"'{uplinkInterface}' is not an OpenWrt interface name (letters, digits, _ . -; at most 15)");
        }
        var espOnly = controller.Optional("esp_only", ConfigValues.List(ProtocolConfig.EspOnly), [])!;
        if (!childSa && espOnly.Count > 0)
        {
            controller.Report("esp_only", "needs the CHILD_SA with the controller, and [agent] has child_sa = no");
        }
        if (CertificateSupport.IsEnabled)
        {
            CertificateConfig.CheckIdentity(agent, certificates, agent.Optional("identity", ProtocolConfig.Identity, null));
        }
        return new AgentSettings(
            agent.Required("identity", ProtocolConfig.Identity),
            certificates is null && !CertificateConfig.IsSet(agent) ? ProtocolConfig.ReadPsk(agent, warn) : null,
            agent.Address("local_address", null),
            agent.Port("local_port", 500),
            proposals,
            agent.Optional("esp_proposals", ConfigValues.List(ProtocolConfig.EspProposal),
                [new EspSuite(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE), new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128)]),
            controllers[0],
            controller.Required("identity", ProtocolConfig.Identity),
            agent.String("control_socket", "/run/mpsa/agent.sock")!,
            agent.OneOf("log_level", [.. LogSetup.LevelNames], "info"),
            agent.Optional("liveness_interval", ConfigValues.DurationBetween(TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)), TimeSpan.FromSeconds(30)),
            retryMin,
            retryMax,
            agent.Optional<IReadOnlyList<EspSuite>>("group_suites", ConfigValues.List(ProtocolConfig.EspProposal), null),
            DataPlaneConfig.Read(config))
        {
            Certificates = certificates,
            RequireVendorId = agent.Bool("require_vendor_id", true),
            FragmentSize = agent.Int("fragment_size", 576, 65535, 1280),
            Rekey = ProtocolConfig.ReadRekeyPolicy(agent),
            UnsafeCounterModeAead = agent.Bool("unsafe_counter_mode_aead", false),
            ChildSa = childSa,
            Mobike = agent.Bool("mobike", true),
            ForceUdpEncapsulation = agent.Bool("encap", false),
            Retransmit = new RetransmitPolicy(
                agent.Optional("retransmit_timeout", ConfigValues.DurationBetween(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)), RetransmitPolicy.Default.Initial),
                RetransmitPolicy.Default.Multiplier, agent.Int("retransmit_tries", 1, 20, RetransmitPolicy.Default.MaxTransmissions)),
            UplinkInterface = uplinkInterface,
            EspOnly = espOnly,
            Controllers = controllers,
        };
    }

    private static bool IsInterfaceName(string name)
    {
        if (name.Length is 0 or > 15)
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><c>address = a, b, c</c>: the controller's replicas in the order they are tried, all on <c>port</c>.</summary>
    private static IPEndPoint[] ReadControllers(ConfigSection controller)
    {
        // null: missing or not a list of addresses, already reported
        var addresses = controller.Required("address", ConfigValues.List(ConfigValues.Address));
        int port = controller.Port("port", 500);
        if (addresses is null || addresses.Count == 0)
        {
            if (addresses is not null)
            {
                controller.Report("address", "give at least one IP address");
            }
            return [new IPEndPoint(IPAddress.None, port)];
        }
        var endpoints = new IPEndPoint[addresses.Count];
        for (int i = 0; i < addresses.Count; i++)
        {
            var a = addresses[i];
            for (int j = 0; j < i; j++)
            {
                if (addresses[j].Equals(a))
                {
                    controller.Report("address", string.Concat(a.ToString(), " is listed twice"));
                }
            }
            if (a.AddressFamily != addresses[0].AddressFamily)
            {
                // one IKE socket, of the first address's family
                controller.Report("address", string.Concat(a.ToString(), " is not of the same family as ", addresses[0].ToString(), " (all IPv4 or all IPv6)"));
            }
            endpoints[i] = new IPEndPoint(a, port);
        }
        return endpoints;
    }

    /// <summary>certificate/private_key/ca instead of psk; they need libssl (the package's libopenssl3).</summary>
    private static Mpsa.Ike.Certificates.CertificateAuth? ReadCertificates(ConfigSection agent, Action<ConfigError> warn, Capabilities capabilities)
    {
        if (!CertificateConfig.IsSet(agent))
        {
            return null;
        }
        if (agent.Has("psk") || agent.Has("psk_file"))
        {
            agent.Report("certificate", "give either psk/psk_file or certificate/private_key/ca, not both");
        }
        if (!CertificateSupport.IsEnabled)
        {
            agent.Report("certificate", $"certificate authentication is not in this package (mpsa-agent: PSK only); install {CertificateSupport.Package}, which replaces it and keeps this file");
            return null;
        }
        if (!capabilities.Certificates)
        {
            agent.Report("certificate", "certificate authentication needs libssl (opkg install libopenssl3), which this system lacks");
            return null;
        }
        return CertificateConfig.Read(agent, warn);
    }
}
