using System.Text.Json;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Cluster;

/// <summary>Three controller replicas on 127.0.0.1-3 (one port), one etcd cluster, and agents with --dry-run kernels,
/// all real processes in a temp directory; agent i is served by replica i % 3.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class ClusterLab : ProcessLab
{
    public const int Replicas = 3;
    /// <summary>Every simulated CPE's PSK (<see cref="SimulatedFleet"/>: members sim{i}, identity sim{i}.cluster).</summary>
    public const string SimulatedPsk = "cluster secret of the simulated CPEs";

    /// <param name="simulated">Members for that many simulated CPEs (<see cref="SimulatedFleet"/>), besides the agents.</param>
    public ClusterLab(EtcdCluster etcd, int agents, string groupTimers, int simulated = 0)
        : base("mpsa-cluster-lab-")
    {
        Etcd = etcd;
        Port = Daemon.FreeUdpPort();
        Agents = agents;
        string key = Path.Combine(Directory, "state.key");
        File.WriteAllText(key, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string members = string.Concat(Enumerable.Range(1, agents).Select(i =>
            $"[member cpe{i}]\nidentity = cpe{i}.cluster\npsk = \"cluster secret of cpe{i}\"\ngroup = g\n"))
            + string.Concat(Enumerable.Range(0, simulated).Select(i =>
            $"[member sim{i}]\nidentity = sim{i}.cluster\npsk = \"{SimulatedPsk}\"\ngroup = g\n"));
        for (int r = 0; r < Replicas; r++)
        {
            File.WriteAllText(ControllerConfig(r), $"""
                [controller]
                identity = controller.cluster
                listen = {Address(r)}:{Port}
                natt = no
                install_child_sa = no
                control_socket = {Directory}/r{r}.sock
                state_dir = {Directory}/r{r}-state
                state_key = {key}
                log_level = debug
                # the simulated CPEs all come from 127.0.0.1
                max_ike_sas_per_address = 100000
                [cluster]
                etcd = {etcd.Endpoints}
                name = r{r}
                lease_ttl = 2s
                prefix = /mpsa-lab
                [group g]
                esp = aes256-sha256
                {groupTimers}
                {members}
                """);
        }
        for (int i = 1; i <= agents; i++)
        {
            File.WriteAllText(AgentConfig(i), AgentConfigText(i, "cluster", Address(i % Replicas), Port));
        }
    }

    public EtcdCluster Etcd { get; }
    public int Port { get; }
    public int Agents { get; }
    public Dictionary<int, Daemon> ReplicaProcesses { get; } = [];

    public static string Address(int replica) => $"127.0.0.{replica + 1}";

    public string ControllerConfig(int r) => Path.Combine(Directory, $"r{r}.conf");

    public string AgentConfig(int i) => Path.Combine(Directory, $"cpe{i}.conf");

    public Daemon StartReplica(int r)
    {
        var d = Daemon.Start("mpsa-controller", $"r{r}", "run", "--config", ControllerConfig(r));
        ReplicaProcesses[r] = d;
        Track(d);
        return d;
    }

    public Daemon StartAgent(int i)
    {
        var d = Daemon.Start("mpsa-agent", $"cpe{i}", "run", "--dry-run", "--config", AgentConfig(i));
        Track(d);
        return d;
    }

    /// <summary>The replica holding the leader key, from etcd.</summary>
    public int? Leader()
    {
        var (code, output) = Etcd.Ctl("get", "--print-value-only", "/mpsa-lab/leader");
        string name = output.Trim();
        return code == 0 && name.StartsWith('r') ? int.Parse(name[1..], System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Replica r's `status --json`, or default when it does not answer.</summary>
    public JsonElement ReplicaStatus(int r)
    {
        var (code, output, _) = Daemon.Run("mpsa-controller", "status", "--json", "--socket", $"{Directory}/r{r}.sock");
        return code == 0 ? JsonDocument.Parse(output).RootElement : default;
    }

    /// <summary>Replica r's group g as `status --json` shows it, or null when the replica does not answer.</summary>
    public JsonElement? ReplicaGroup(int r) => ReplicaStatus(r) is { ValueKind: JsonValueKind.Object } s ? s.GetProperty("groups")[0] : null;

    /// <summary>Lines replica r logged with event id <paramref name="eventId"/>.</summary>
    public int LogCount(int r, int eventId) =>
        ReplicaProcesses[r].Log.Split('\n').Count(l => l.Contains($"[{eventId}]", StringComparison.Ordinal));

    public JsonElement AgentStatus(int i)
    {
        var (code, output, _) = Daemon.Run("mpsa-agent", "status", "--json", "--config", AgentConfig(i));
        return code == 0 ? JsonDocument.Parse(output).RootElement : default;
    }

    /// <summary>Every group SA agent i holds: SPI, state and fingerprint.</summary>
    public IReadOnlyList<(string Spi, string State, string Fingerprint)> GroupSas(int i)
    {
        var s = AgentStatus(i);
        return s.ValueKind != JsonValueKind.Object ? [] : s.GetProperty("group_sas").EnumerateArray()
            .Select(g => (g.GetProperty("spi").GetString()!, g.GetProperty("state").GetString()!, g.GetProperty("fingerprint").GetString()!)).ToList();
    }

    public string? ActiveSpi(int i) => GroupSas(i).Where(g => g.State == "active").Select(g => g.Spi).LastOrDefault();
}
