using System.Net;
using Mpsa.Agent.Config;
using Mpsa.Agent.Supervisor;
using Mpsa.Controller;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.EndToEnd;
using Mpsa.Tests.Exchanges;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Agent;

/// <summary>
/// A <see cref="ControllerConnection"/> with several controller addresses, and a real <see cref="ControllerEngine"/> at
/// each address that is up, joined by an in-memory link on a virtual clock. Records every attempt (when, where) and every
/// loss, so tests can read the failover order and the waits between attempts.
/// </summary>
internal sealed class FailoverRig : IDisposable
{
    public static readonly IPEndPoint AgentAt = new(IPAddress.Parse("192.0.2.10"), 500);
    private readonly Queue<(IPEndPoint From, Outgoing Datagram)> _link = new();
    private readonly Dictionary<IPEndPoint, ControllerEngine> _up = [];

    public FailoverRig(string addresses, string agentExtra = "")
    {
        Settings = EngineLab.Read($"""
            [agent]
            identity = cpe.lab
            psk = "the PSK of the failover rig"
            local_address = {AgentAt.Address}
            control_socket = /nonexistent/agent.sock
            retry_min = 1s
            retry_max = 8s
            liveness_interval = 5s
            {agentExtra}
            [controller]
            address = {addresses}
            identity = controller.lab
            """, AgentConfigFile.Read);
        Connection = new ControllerConnection(Settings, new SeededRandom(11));
    }

    public AgentSettings Settings { get; }
    public ControllerConnection Connection { get; }
    public MonoTime Now { get; private set; } = new(1_000);

    /// <summary>Each connection attempt: when it started and where it went.</summary>
    public List<(MonoTime At, IPEndPoint To)> Attempts { get; } = [];

    /// <summary>Each loss of the connection or failed attempt: when, where, why.</summary>
    public List<(MonoTime At, IPEndPoint Peer, PeerGoneReason Reason)> Losses { get; } = [];

    /// <summary>The addresses of each IKE SA established, in order.</summary>
    public List<IPEndPoint> Established { get; } = [];

    public static IPEndPoint At(string address) => new(IPAddress.Parse(address), 500);

    /// <summary>Starts a controller that answers at <paramref name="address"/>.</summary>
    public ControllerEngine Up(string address)
    {
        var settings = EngineLab.Read($"""
            [controller]
            identity = controller.lab
            listen = {address}:500
            control_socket = /nonexistent/controller.sock
            [group g]
            esp = aes256-sha256
            lifetime = 600s
            rekey_margin = 100s
            roll1 = 10s
            roll2 = 20s
            [member cpe]
            identity = cpe.lab
            psk = "the PSK of the failover rig"
            group = g
            """, ControllerConfigFile.Read);
        var engine = new ControllerEngine(settings, new RecordingLogger(), new SeededRandom(_up.Count + 20), Now);
        _up[At(address)] = engine;
        return engine;
    }

    /// <summary>The controller at <paramref name="address"/> vanishes without a word (kill -9, cable cut).</summary>
    public void Down(string address)
    {
        _up.Remove(At(address), out var engine);
        engine?.Dispose();
    }

    /// <summary>The controller at <paramref name="address"/> shuts down: it deletes its IKE SAs, then is gone.</summary>
    public void ShutDown(string address)
    {
        var at = At(address);
        Queue(at, _up[at].Shutdown(Now));
        Deliver();
        Down(address);
    }

    public void Start()
    {
        Attempts.Add((Now, Connection.Controller));
        Observe(Connection.Start(Now));
    }

    /// <summary>Delivers and jumps from deadline to deadline until <paramref name="done"/> holds; fails after <paramref name="seconds"/>.</summary>
    public void RunUntil(Func<bool> done, double seconds, string what)
    {
        var end = Now + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            Deliver();
            if (done())
            {
                return;
            }
            var next = Connection.NextDeadline;
            foreach (var c in _up.Values)
            {
                next = MonoTime.Min(next, c.NextDeadline);
            }
            if (next is null || next.Value > end)
            {
                Assert.Fail($"not {what} within {seconds} s; attempts: {string.Join(", ", Attempts)}");
            }
            Now = next!.Value > Now ? next.Value : Now;
            foreach (var (at, c) in _up)
            {
                Queue(at, c.OnTimeout(Now));
            }
            bool waiting = Connection.State == ConnectionState.Waiting;
            var step = Connection.OnTimeout(Now);
            if (waiting && Connection.State == ConnectionState.Connecting)
            {
                Attempts.Add((Now, Connection.Controller));
            }
            Observe(step);
        }
    }

    public void RunUntilConnected(double seconds = 600) =>
        RunUntil(() => Connection.State == ConnectionState.Connected, seconds, "connected");

    /// <summary>Runs until <paramref name="count"/> attempts were made in all.</summary>
    public void RunUntilAttempts(int count, double seconds = 3600) => RunUntil(() => Attempts.Count >= count, seconds, $"{count} attempts");

    private void Queue(IPEndPoint from, IEnumerable<Outgoing> datagrams)
    {
        foreach (var o in datagrams)
        {
            _link.Enqueue((from, o));
        }
    }

    private void Observe(Step step)
    {
        Queue(AgentAt, step.Send);
        foreach (var e in step.Events)
        {
            switch (e)
            {
                case PeerGone g:
                    Losses.Add((Now, g.Peer, g.Reason));
                    break;
                case IkeSaEstablished up:
                    Established.Add(up.Peer);
                    break;
                case MpsaReceived r:
                    foreach (var put in r.Puts)
                    {
                        put.Dispose();
                    }
                    Queue(AgentAt, Connection.AnswerMpsaPut(r.MessageId, null, Now).Send);
                    break;
            }
        }
    }

    private void Deliver()
    {
        while (_link.TryDequeue(out var item))
        {
            var (from, o) = item;
            if (from.Equals(AgentAt))
            {
                if (_up.TryGetValue(o.To, out var controller))
                {
                    Queue(o.To, controller.Receive(o.Datagram, AgentAt, Now));
                }
            }
            else
            {
                Observe(Connection.Receive(o.Datagram, from, Now));
            }
        }
    }

    public void Dispose()
    {
        Connection.Dispose();
        foreach (var c in _up.Values)
        {
            c.Dispose();
        }
    }
}
