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

    /// <param name="clusterKeys">More lines for each replica's [cluster] section (etcd's TLS and auth keys).</param>
    /// <param name="membersInEtcd">The members go to <see cref="MembersFile"/> for `member import`, not into the replicas' configs.</param>
    /// <param name="simulated">Members for that many simulated CPEs (<see cref="SimulatedFleet"/>), besides the agents.</param>
    public ClusterLab(EtcdCluster etcd, int agents, string groupTimers, string clusterKeys = "", bool membersInEtcd = false, int simulated = 0)
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
        MembersFile = Path.Combine(Directory, "members.csv");
        File.WriteAllText(MembersFile, "name,identity,group,psk\n"
            + string.Concat(Enumerable.Range(1, agents).Select(i => $"cpe{i},cpe{i}.cluster,g,\"cluster secret of cpe{i}\"\n"))
            + string.Concat(Enumerable.Range(0, simulated).Select(i => $"sim{i},sim{i}.cluster,g,\"{SimulatedPsk}\"\n")));
        if (membersInEtcd)
        {
            members = "";
        }
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
                {clusterKeys}
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

    /// <summary>Every agent as a member, in the CSV `mpsa-controller member import` reads.</summary>
    public string MembersFile { get; }
    public int Port { get; }
    public int Agents { get; }
    public Dictionary<int, Daemon> ReplicaProcesses { get; } = [];

    public static string Address(int replica) => $"127.0.0.{replica + 1}";

    public string ControllerConfig(int r) => Path.Combine(Directory, $"r{r}.conf");

    public string AgentConfig(int i) => Path.Combine(Directory, $"cpe{i}.conf");

    public Daemon StartReplica(int r)
    {
        var d = StartController($"r{r}", ControllerConfig(r));
        ReplicaProcesses[r] = d;
        return d;
    }

    /// <summary>A controller from any config file, stopped with the lab.</summary>
    public Daemon StartController(string name, string config)
    {
        var d = Daemon.Start("mpsa-controller", name, "run", "--config", config);
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

    /// <summary>`mpsa-controller ARGS --config` replica r's config: (exit code, stdout, stderr).</summary>
    public (int ExitCode, string Out, string Err) Controller(int r, params string[] args) =>
        Daemon.Run("mpsa-controller", [.. args, "--config", ControllerConfig(r)]);

    /// <summary>Replica r's `status --json`.</summary>
    public JsonElement ReplicaStatus(int r)
    {
        var (code, output, _) = Daemon.Run("mpsa-controller", "status", "--json", "--socket", Path.Combine(Directory, $"r{r}.sock"));
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
