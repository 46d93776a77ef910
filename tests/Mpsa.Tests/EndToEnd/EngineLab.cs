using System.Net;
using Mpsa.Agent;
using Mpsa.Agent.Config;
using Mpsa.Controller;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.Exchanges;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// A real <see cref="AgentEngine"/> (over a <see cref="FaultyKernel"/>) and a real <see cref="ControllerEngine"/>,
/// joined by an in-memory link on a virtual clock that jumps from deadline to deadline. Group "g": lifetime 120 s,
/// rekey margin 40 s, ROLL1 10 s, ROLL2 20 s, unless the config text says otherwise.
/// </summary>
internal sealed class EngineLab : IDisposable
{
    public static readonly IPEndPoint ControllerAt = new(IPAddress.Parse("192.0.2.1"), 500);
    public static readonly IPEndPoint AgentAt = new(IPAddress.Parse("192.0.2.10"), 500);

    /// <summary>The controller's NAT-T port, where the agent's IKE goes once a NAT is on the path (encap = yes here).</summary>
    public static readonly IPEndPoint ControllerNatT = new(ControllerAt.Address, NatDetection.NatTraversalPort);
    private readonly Queue<Outgoing> _link = new();

    public EngineLab(string groupEsp = "aes256-sha256", string agentExtra = "", string agentSections = "", string controllerExtra = "",
        bool installChildSa = false, bool controllerKernel = false, Capabilities? capabilities = null, string groupExtra = "", bool traceKernel = false,
        string groupTimes = "lifetime = 120s\nrekey_margin = 40s\nroll1 = 10s\nroll2 = 20s")
    {
        Kernel = new FaultyKernel(traceKernel ? KernelTrace.Add : null) { NowMs = () => Now.Milliseconds };
        ControllerKernel = controllerKernel ? new FaultyKernel { NowMs = () => Now.Milliseconds } : null;
        var controllerSettings = Read($"""
            [controller]
            identity = controller.lab
            listen = {ControllerAt}
            control_socket = /nonexistent/controller.sock
            {controllerExtra}
            [group g]
            esp = {groupEsp}
            {groupTimes}
            {groupExtra}
            [member cpe]
            identity = cpe.lab
            psk = "the PSK of the engine lab"
            group = g
            """, ControllerConfigFile.Read);
        var agentSettings = AgentSettingsWith(agentSections, agentExtra);
        var childSas = ControllerKernel is null ? null
            : new Mpsa.Controller.Members.MemberChildSas(ControllerKernel, _ => ControllerAt.Address, ControllerLog);
        Controller = new ControllerEngine(controllerSettings, ControllerLog, new SeededRandom(7), Now, childSas);
        Agent = new AgentEngine(agentSettings, Kernel, AgentAt.Address, AgentLog, new SeededRandom(8),
            ikeLocal: installChildSa ? AgentAt : null, capabilities: capabilities);
        Send(Agent.Start(Now));
    }

    public MonoTime Now { get; private set; } = new(1_000);
    public FaultyKernel Kernel { get; }

    /// <summary>With <c>traceKernel</c>: every request the agent made of its kernel, in order ("add state …", "delete policy …").</summary>
    public List<string> KernelTrace { get; } = [];

    /// <summary>The agent's address now: the controller sees it as the source; datagrams to any other are lost.</summary>
    public IPEndPoint AgentIs { get; set; } = AgentAt;

    /// <summary>The controller's kernel, where members' CHILD_SAs go (with <c>controllerKernel</c>); else null.</summary>
    public FaultyKernel? ControllerKernel { get; }

    /// <summary>Datagrams to the controller for which this is true are lost on the way.</summary>
    public Func<byte[], bool> DropToController { get; set; } = _ => false;

    /// <summary>Datagrams to the agent for which this is true are lost on the way.</summary>
    public Func<byte[], bool> DropToAgent { get; set; } = _ => false;

    /// <summary>Sends what a daemon produced outside the lab's loop (e.g. on a kernel event).</summary>
    public void Inject(IEnumerable<Outgoing> datagrams) => Send(datagrams);

    /// <summary>Called after each datagram is handled (invariants that must hold at every moment).</summary>
    public Action? AfterEachDatagram { get; set; }
    public RecordingLogger ControllerLog { get; } = new();
    public RecordingLogger AgentLog { get; } = new();
    public ControllerEngine Controller { get; }
    public AgentEngine Agent { get; }

    /// <summary>The NAT keepalives the agent sent, when and where.</summary>
    public List<(MonoTime At, IPEndPoint To)> KeepalivesToController { get; } = [];

    /// <summary>Datagrams from the controller to the agent, counted (MPSA_PUT pushes among them).</summary>
    public int ToAgent { get; private set; }

    /// <summary>Delivers, then jumps from deadline to deadline until <paramref name="seconds"/> after the start.</summary>
    public void RunTo(double seconds)
    {
        var end = new MonoTime(1_000 + (long)(seconds * 1000));
        while (true)
        {
            Deliver();
            var next = MonoTime.Min(Controller.NextDeadline, Agent.NextDeadline);
            if (next is null || next.Value > end)
            {
                break;
            }
            Now = next.Value > Now ? next.Value : Now;
            Send(Controller.OnTimeout(Now));
            Send(Agent.OnTimeout(Now));
        }
        Now = end;
        Send(Controller.OnTimeout(Now));
        Send(Agent.OnTimeout(Now));
        Deliver();
    }

    public MemberStatus Member => Controller.Status(Now).Members.Single();

    public GroupStatus Group => Controller.Status(Now).Groups.Single();

    public int ControllerLines(int eventId) => ControllerLog.Lines.Count(l => l.EventId == eventId);

    private void Send(IEnumerable<Outgoing> datagrams)
    {
        foreach (var o in datagrams)
        {
            _link.Enqueue(o);
        }
    }

    private void Deliver()
    {
        while (_link.TryDequeue(out var o))
        {
            if (o.To.Address.Equals(ControllerAt.Address) && NatDetection.IsKeepalive(o.Datagram))
            {
                KeepalivesToController.Add((Now, o.To));   // the controller's kernel takes these (UDP_ENCAP_ESPINUDP)
            }
            else if (o.To.Equals(ControllerAt) || o.To.Equals(ControllerNatT))
            {
                if (!DropToController(o.Datagram))
                {
                    Send(Controller.Receive(o.Datagram, AgentIs, Now));
                }
            }
            else if (o.To.Address.Equals(AgentIs.Address) && !DropToAgent(o.Datagram))
            {
                ToAgent++;
                Send(Agent.Receive(o.Datagram, ControllerAt, Now));
            }
            AfterEachDatagram?.Invoke();
        }
    }

    /// <summary>A config text read as the daemon reads it; the test fails with its errors otherwise.</summary>
    /// <summary>The lab agent's settings with other [agent] lines and sections (a second agent on the same kernel, say).</summary>
    public static AgentSettings AgentSettingsWith(string agentSections, string agentExtra = "") => Read($"""
        [agent]
        identity = cpe.lab
        psk = "the PSK of the engine lab"
        local_address = {AgentAt.Address}
        control_socket = /nonexistent/agent.sock
        {agentExtra}
        [controller]
        address = {ControllerAt.Address}
        identity = controller.lab
        {agentSections}
        """, AgentConfigFile.Read);

    internal static T Read<T>(string text, Func<ConfigReader, Action<ConfigError>, T> read) where T : class
    {
        Assert.That(ConfigReader.TryRead(IniFile.Parse("/etc/mpsa/lab.conf", text), r => read(r, _ => { }), out var settings, out var errors),
            Is.True, string.Join("\n", errors));
        return settings!;
    }

    public void Dispose()
    {
        Agent.Dispose();
        Controller.Dispose();
        Kernel.Dispose();
        ControllerKernel?.Dispose();
    }
}
