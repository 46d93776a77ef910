using System.Text.Json;

namespace Mpsa.Tests.EndToEnd;

/// <summary>A controller and N agents as real processes on 127.0.0.1 with --dry-run kernels, in a temp directory.</summary>
internal sealed class LoopbackLab : ProcessLab
{
    public LoopbackLab(int agents, string groupTimers = "lifetime = 16s\nrekey_margin = 8s\nroll1 = 2s\nroll2 = 4s")
        : base("mpsa-e2e-")
    {
        ControllerPort = Daemon.FreeUdpPort();
        GroupTimers = groupTimers;
        Agents = agents;
        WriteControllerConfig(Enumerable.Range(1, agents));
        for (int i = 1; i <= agents; i++)
        {
            File.WriteAllText(AgentConfig(i), AgentConfigText(i, "e2e", "127.0.0.1", ControllerPort));
        }
    }

    public int ControllerPort { get; }
    public string GroupTimers { get; }
    public int Agents { get; }
    public string ControllerConfig => Path.Combine(Directory, "controller.conf");
    public Daemon? Controller { get; private set; }
    public Dictionary<int, Daemon> AgentProcesses { get; } = [];

    public string AgentConfig(int i) => Path.Combine(Directory, $"cpe{i}.conf");

    public void WriteControllerConfig(IEnumerable<int> members)
    {
        var text = $"""
            [controller]
            identity = controller.e2e
            listen = 127.0.0.1:{ControllerPort}
            control_socket = {Directory}/controller.sock
            state_dir = {Directory}/controller-state
            log_level = debug
            [group e2e]
            esp = aes256-sha256
            {GroupTimers}

            """;
        foreach (int i in members)
        {
            text += $"[member cpe{i}]\nidentity = cpe{i}.e2e\npsk = \"e2e secret of cpe{i}\"\ngroup = e2e\n";
        }
        File.WriteAllText(ControllerConfig, text);
    }

    public Daemon StartController(params string[] extra)
    {
        Controller = Daemon.Start("mpsa-controller", "controller", ["run", "--config", ControllerConfig, .. extra]);
        Track(Controller);
        return Controller;
    }

    /// <summary>Another controller (a replica) on <paramref name="address"/> and the same port, with the same members and
    /// its own config, state and control socket (NAME.conf, NAME-state, NAME.sock).</summary>
    public Daemon StartReplica(string address, string name)
    {
        string config = ReplicaConfig(name);
        File.WriteAllText(config, File.ReadAllText(ControllerConfig)
            .Replace($"listen = 127.0.0.1:{ControllerPort}", $"listen = {address}:{ControllerPort}", StringComparison.Ordinal)
            .Replace("/controller.sock", $"/{name}.sock", StringComparison.Ordinal)
            .Replace("/controller-state", $"/{name}-state", StringComparison.Ordinal));
        var d = Daemon.Start("mpsa-controller", name, "run", "--config", config);
        Track(d);
        return d;
    }

    public string ReplicaConfig(string name) => Path.Combine(Directory, $"{name}.conf");

    /// <summary>
    /// For daemons in network namespaces: the controller listens on <paramref name="listen"/> (an address, its port
    /// stays), and agent 1 reaches it at <paramref name="controller"/> from whatever address its routing table picks.
    /// </summary>
    public void Readdress(string listen, string controller)
    {
        File.WriteAllText(ControllerConfig, File.ReadAllText(ControllerConfig)
            .Replace($"listen = 127.0.0.1:{ControllerPort}", $"listen = {listen}:{ControllerPort}", StringComparison.Ordinal));
        File.WriteAllText(AgentConfig(1), File.ReadAllText(AgentConfig(1))
            .Replace("local_address = 127.0.0.1\n", "", StringComparison.Ordinal)
            .Replace("address = 127.0.0.1", $"address = {controller}", StringComparison.Ordinal));
    }

    /// <summary>The controller, or agent <paramref name="i"/>, inside network namespace <paramref name="netns"/>.</summary>
    public Daemon StartControllerInNamespace(string netns)
    {
        Controller = Daemon.StartInNamespace(netns, "mpsa-controller", "controller", "run", "--config", ControllerConfig);
        return Track(Controller);
    }

    public Daemon StartAgentInNamespace(int i, string netns) =>
        AgentProcesses[i] = Track(Daemon.StartInNamespace(netns, "mpsa-agent", $"cpe{i}", "run", "--dry-run", "--config", AgentConfig(i)));

    public Daemon StartAgent(int i)
    {
        var d = Daemon.Start("mpsa-agent", $"cpe{i}", "run", "--dry-run", "--config", AgentConfig(i));
        AgentProcesses[i] = d;
        Track(d);
        return d;
    }

    /// <summary>mpsa-flood (tests/Mpsa.Flood) at the controller: PORT SECONDS SOURCES RATE.</summary>
    public Daemon StartFlood(int seconds, int sources, int rate)
    {
        var d = Daemon.Start("mpsa-flood", "flood", $"{ControllerPort}", $"{seconds}", $"{sources}", $"{rate}");
        Track(d);
        return d;
    }

    public JsonElement AgentStatus(int i)
    {
        var (code, output, _) = Daemon.Run("mpsa-agent", "status", "--json", "--config", AgentConfig(i));
        return code == 0 ? JsonDocument.Parse(output).RootElement : default;
    }

    public JsonElement ControllerStatus()
    {
        var (code, output, _) = Daemon.Run("mpsa-controller", "status", "--json", "--config", ControllerConfig);
        return code == 0 ? JsonDocument.Parse(output).RootElement : default;
    }

    /// <summary>The SPI of the agent's active group SA, or null.</summary>
    public string? ActiveSpi(int i)
    {
        var s = AgentStatus(i);
        if (s.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return s.GetProperty("group_sas").EnumerateArray()
            .Where(g => g.GetProperty("state").GetString() == "active")
            .Select(g => g.GetProperty("spi").GetString()).LastOrDefault();
    }

    public string? Fingerprint(int i, string spi) => AgentStatus(i).GetProperty("group_sas").EnumerateArray()
        .Where(g => g.GetProperty("spi").GetString() == spi).Select(g => g.GetProperty("fingerprint").GetString()).FirstOrDefault();

    public string? ControllerCurrentSpi()
    {
        var s = ControllerStatus();
        return s.ValueKind == JsonValueKind.Object ? s.GetProperty("groups")[0].GetProperty("current_spi").GetString() : null;
    }
}
