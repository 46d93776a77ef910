using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Agent.Config;
using Mpsa.Agent.GroupSa;
using Mpsa.Netlink.Kernel;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent;

/// <summary>
/// `mpsa-agent run`: one UDP socket towards the controller and the control socket post to one driver loop that owns
/// the engine. SIGHUP reloads the file; SIGTERM/SIGINT delete the IKE SA, take the group SAs out of the kernel, exit 0.
/// </summary>
internal sealed class AgentDaemon : IDisposable
{
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(2);

    private readonly string _configPath;
    private readonly ILogger _log;
    private readonly DriverLoop<AgentInput> _loop = new();
    private readonly AgentEngine _engine;
    private readonly UdpEndpoint _socket;

    private AgentDaemon(string configPath, AgentSettings settings, IKernel kernel, IPAddress underlay, UdpEndpoint socket, ILogger log)
    {
        _configPath = configPath;
        _log = log;
        _socket = socket;
        _engine = new AgentEngine(settings, kernel, underlay, log, SystemRandom.Instance);
    }

    private static MonoTime Now => DriverLoop<AgentInput>.Now;

    public static async Task<int> RunAsync(string configPath, AgentSettings settings, bool dryRun, ILoggerFactory logs)
    {
        var log = logs.CreateLogger("mpsa-agent");
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Starting(AgentCli.Version, string.Join(", ", settings.Proposals.Select(SuiteNames.Name)), Algorithms.OfferedHere());
        }
        if (!dryRun)
        {
            await Console.Error.WriteLineAsync("mpsa-agent: this build has no kernel data plane yet; run with --dry-run").ConfigureAwait(false);
            return 69;
        }
        var bind = new IPEndPoint(settings.LocalAddress ?? AnyOf(settings.Controller.Address), settings.LocalPort);
        UdpEndpoint socket;
        try
        {
            socket = new UdpEndpoint(bind, settings.Controller.Port == UdpEndpoint.NatTraversalPort ? true : null, logs.CreateLogger("mpsa-agent.udp"));
        }
        catch (SocketException e)
        {
            log.CannotBind(bind, e.Message);
            return 71;
        }
        using var kernel = new InMemoryKernel(line => log.KernelOperation(line));
        var underlay = settings.DataPlane.Underlay ?? settings.LocalAddress ?? LocalAddressTowards(settings.Controller);
        using var daemon = new AgentDaemon(configPath, settings, kernel, underlay, socket, log);
        return await daemon.RunAsync(settings).ConfigureAwait(false);
    }

    private async Task<int> RunAsync(AgentSettings settings)
    {
        using var stop = new CancellationTokenSource();
        using var signals = SignalHandling.Register(stop, () => _loop.Post(new AgentInput.Reload()));
        var receiver = _socket.RunAsync((datagram, from) => _loop.Post(new AgentInput.Datagram(datagram.ToArray(), from)), stop.Token);
        await using (ControlServer.Start(settings.ControlSocket, OnControlAsync, _log))
        {
            Send(_engine.Start(Now));
            await _loop.RunAsync(() => _engine.NextDeadline, Handle, now => Send(_engine.OnTimeout(now)), stop.Token).ConfigureAwait(false);
            Send(_engine.Shutdown(Now));
            await _loop.RunAsync(() => _engine.NextDeadline, Handle, now => Send(_engine.OnTimeout(now)), CancellationToken.None,
                Now + GoodbyeTimeout, () => _engine.Closed).ConfigureAwait(false);
        }
        _socket.Dispose();
        await receiver.ConfigureAwait(false);
        return 0;
    }

    private void Handle(AgentInput input)
    {
        switch (input)
        {
            case AgentInput.Datagram d:
                Send(_engine.Receive(d.Bytes, d.From, Now));
                break;
            case AgentInput.Reload:
                Reload();
                break;
            case AgentInput.Command c:
                c.Reply.TrySetResult(Execute(c.Text));
                break;
        }
    }

    private string Execute(string command)
    {
        switch (command.Trim())
        {
            case "status":
                return _engine.Status(Now).ToText();
            case "status --json":
                return AgentCli.StatusJson(_engine.Status(Now));
            case "reload":
                return Reload() ? "reloaded\n" : "reload failed: the configuration has errors (see the log); the running one stays\n";
            case "check-liveness":
                Send(_engine.CheckLiveness(Now));
                return "liveness check sent\n";
            default:
                return $"error: unknown command '{command.Trim()}' (status, status --json, reload, check-liveness)\n";
        }
    }

    private bool Reload()
    {
        var warnings = new List<ConfigError>();
        if (!ConfigReader.TryLoad(_configPath, r => AgentConfigFile.Read(r, warnings.Add), out var next, out var errors))
        {
            foreach (var e in errors)
            {
                _log.ReloadRefused(e);
            }
            return false;
        }
        foreach (var w in warnings)
        {
            _log.ConfigWarning(w);
        }
        Send(_engine.Reconfigure(next, Now));
        _log.Reloaded();
        return true;
    }

    private Task<string> OnControlAsync(string command, CancellationToken cancel)
    {
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancel.Register(() => reply.TrySetCanceled(cancel));
        _loop.Post(new AgentInput.Command(command, reply));
        return reply.Task;
    }

    private void Send(IReadOnlyList<Outgoing> send)
    {
        foreach (var o in send)
        {
            _socket.SendTo(o.Datagram, o.To);
        }
    }

    private static IPAddress AnyOf(IPAddress like) => like.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;

    /// <summary>The source address the routing table picks for the controller (a connected UDP socket sends nothing).</summary>
    private static IPAddress LocalAddressTowards(IPEndPoint controller)
    {
        try
        {
            using var probe = new Socket(controller.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(controller);
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (SocketException)
        {
            return AnyOf(controller.Address);
        }
    }

    public void Dispose() => _engine.Dispose();
}
