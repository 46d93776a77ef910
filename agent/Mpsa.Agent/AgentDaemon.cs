using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Agent.Config;
using Mpsa.Agent.GroupSa;
using Mpsa.Agent.Memory;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Route;
using Mpsa.Netlink.Xfrm;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent;

/// <summary>
/// `mpsa-agent run`: one driver loop that owns the engine receives from the UDP socket towards the controller (and the
/// NAT-T one); the control socket and the kernel post to it. SIGHUP reloads the file; SIGTERM/SIGINT delete the IKE SA, take the group SAs out of the kernel, exit 0.
/// </summary>
internal sealed partial class AgentDaemon : IDisposable
{
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(2);
    private const int MaxDatagramsPerTurn = 16;   // per socket, before the loop looks at its other input again
    // File pages go back 2 s after the last exchange: long enough for the rest of a (re)connect (its round trips,
    // acknowledgement, CHILD_SA) to run first; 10 s after it when it came within 10 s of the last release (a train of
    // rekeys or checks would fault each release straight back in); and at least once a minute while exchanges never pause.
    private readonly Memory.PageReleaseSchedule _pageRelease = new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));

    /// <summary>256 kB between collections, every fourth a full one: a few liveness checks' or rekeys' worth (AllocationBudget).</summary>
    private readonly Memory.AllocationBudget _allocations = new(256 * 1024);

    private readonly string _configPath;
    private readonly ILogger _log;
    private readonly DriverLoop<AgentInput> _loop = new(spinBeforeSleep: false);
    private bool _routesRead;
    private AgentEngine _engine;   // replaced when the address IKE leaves from changes (AgentDaemon.Uplink.cs)
    private AgentSettings _settings;
    private readonly UdpEndpoint _socket;
    private readonly UdpEndpoint? _natSocket;

    private readonly IKernel _kernel;

    /// <summary>An engine whose IKE leaves from <paramref name="ikeSource"/> and whose ESP from <paramref name="underlay"/>.</summary>
    private AgentEngine NewEngine(AgentSettings settings, IPAddress ikeSource, IPAddress underlay)
    {
        // NAT detection needs SHA-1 (libssl's or the kernel's) and the address IKE leaves from (not the data plane's underlay address, which
        // may be of the other family); without them the SA stays on the configured port, unless encap = yes moves it.
        int port = _socket.LocalEndPoint.Port;
        var nat = NatDetectionEndpoint(ikeSource);
        var ikeLocal = SourceAddress.IsAny(ikeSource) ? null : new IPEndPoint(ikeSource, port);
        return new AgentEngine(settings, _kernel, underlay, _log, SystemRandom.Instance, nat, ikeLocal);
    }

    /// <summary>Our IKE endpoint for NAT detection: only with the NAT-T socket and SHA-1 (libssl's or the kernel's); else null.</summary>
    private IPEndPoint? NatDetectionEndpoint(IPAddress ikeSource) =>
        _natSocket is not null && Capabilities.Here.NatDetection ? new IPEndPoint(ikeSource, _socket.LocalEndPoint.Port) : null;

    private AgentDaemon(string configPath, AgentSettings settings, IKernel kernel, IPAddress ikeSource, IPAddress underlay, UdpEndpoint socket,
        UdpEndpoint? natSocket, ILogger log)
    {
        _kernel = kernel;
        _configPath = configPath;
        _log = log;
        _socket = socket;
        _natSocket = natSocket;
        _settings = settings;
        _ikeSource = ikeSource;
        _engine = NewEngine(settings, ikeSource, underlay);
        if (kernel is XfrmKernel)
        {
            // The CHILD_SA with the controller covers all traffic between the two addresses: IKE itself must bypass it,
            // and ESP in UDP arriving on port 4500 goes to the kernel.
            socket.EnableIpsecBypass();
            natSocket?.EnableIpsecBypass();
            natSocket?.EnableKernelEspInUdp();
            if (socket.IsNatTraversal)
            {
                socket.EnableKernelEspInUdp();
            }
        }
    }

    private static MonoTime Now => DriverLoop<AgentInput>.Now;

    public static async Task<int> RunAsync(string configPath, AgentSettings settings, bool dryRun, ILoggerFactory logs)
    {
        var log = logs.CreateLogger("mpsa-agent");
        using var stop = new CancellationTokenSource();
        using var signals = SignalHandling.Register(stop, null, log);   // from here to the exit (WaitForUplink, RunAsync)
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Starting(AgentCli.Version, ReadOnlyLists.Join(", ", settings.Proposals, SuiteNames.Name), Capabilities.Here.Describe());
        }
        IKernel kernel;
        try
        {
            kernel = dryRun ? new InMemoryKernel(line => log.KernelOperation(line)) : new XfrmKernel();
        }
        catch (NetlinkException e)
        {
            log.NoKernel(e.Message);
            return 71;
        }
        using var kernelOwner = kernel as IDisposable;
        (var ikeSource, settings) = WaitForUplink(configPath, settings, log, signals, stop.Token);
        if (ikeSource is null)
        {
            return 0;   // stopped while waiting
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
        var underlay = settings.DataPlane.Underlay ?? ikeSource;
        UdpEndpoint? natSocket = null;
        if (Capabilities.Here.Sha1FromKernel && KernelSha1.Hash is { } kernelSha1)
        {
            NatDetection.Sha1 = KernelSha1.OrRandom(kernelSha1.Compute, log);
        }
        if (socket.IsNatTraversal || !(Capabilities.Here.NatDetection || settings.ForceUdpEncapsulation))
        {
            natSocket = null;
        }
        else
        {
            var natBind = new IPEndPoint(bind.Address, UdpEndpoint.NatTraversalPort);
            try
            {
                natSocket = new UdpEndpoint(natBind, true, logs.CreateLogger("mpsa-agent.udp"));
            }
            catch (SocketException e)
            {
                log.NoNatTraversal(natBind, e.Message);
            }
        }
        using var daemon = new AgentDaemon(configPath, settings, kernel, ikeSource, underlay, socket, natSocket, log);
        return await daemon.RunAsync(settings, signals, stop.Token).ConfigureAwait(false);
    }

    private async Task<int> RunAsync(AgentSettings settings, SignalHandling signals, CancellationToken stop)
    {
        signals.ReloadTo(() => _loop.Post(new AgentInput.Reload()));
        using var kernelEvents = _kernel.Subscribe(e => _loop.Post(new AgentInput.Kernel(e)));
        using var routes = WatchRoutes(settings);
        using var uplink = FollowUplink();
        // The loop on a thread of its own receives from the sockets itself: a datagram or a deadline wakes one thread, where
        // the thread pool would wake its workers (which spin before they sleep), its timer thread and its gate thread, and
        // a receiving thread would wake the loop in turn.
        UdpEndpoint[] sockets = _natSocket is null ? [_socket] : [_socket, _natSocket];
        using var poll = new Mpsa.Sockets.SocketPoll(Array.ConvertAll(sockets, s => s.Socket));
        DatagramHandler received = (datagram, from) => Handle(new AgentInput.Datagram(datagram.ToArray(), from));
        _loop.ReceiveFrom(poll, i => sockets[i].ReceiveWaiting(received, MaxDatagramsPerTurn));
        await using (ControlServer.Start(settings.ControlSocket, OnControlAsync, _log))
        {
            Send(_engine.Start(Now));
            await _loop.RunOnThreadAsync(NextDeadline, Handle, OnTimeout, stop).ConfigureAwait(false);
            var before = _engine.Status(Now);
            Send(_engine.Shutdown(Now));
            await _loop.RunOnThreadAsync(() => _engine.NextDeadline, Handle, now => Send(_engine.OnTimeout(now)), CancellationToken.None,
                Now + GoodbyeTimeout, () => _engine.Closed).ConfigureAwait(false);
            _log.Stopped(before.GroupSas.Count, before.IkeSa is null ? "no IKE SA was up"
                : _engine.Closed ? "the controller confirmed the IKE SA's deletion" : $"the controller did not answer the IKE SA's deletion within {GoodbyeTimeout.TotalSeconds} s");
        }
        // The sockets outlived the stop signal: the controller's answer to our Delete still had to come in.
        _socket.Dispose();
        _natSocket?.Dispose();
        return 0;
    }

    private MonoTime? NextDeadline() => MonoTime.Min(_engine.NextDeadline, _pageRelease.Due);

    private void OnTimeout(MonoTime now)
    {
        Send(_engine.OnTimeout(now));
        _allocations.Spend();
        if (_pageRelease.TakeDue(now))
        {
            // Last: a collection after it faulted the released code back in, 64 kB a fault from the page cache.
            ReleaseFilePages();
        }
    }

    private void Handle(AgentInput input)
    {
        HandleOne(input);
        _allocations.Spend();
    }

    private void HandleOne(AgentInput input)
    {
        switch (input)
        {
            case AgentInput.Datagram d:
                Send(_engine.Receive(d.Bytes, d.From, Now));
                PagesTouched();
                break;
            case AgentInput.Reload:
                Reload();
                break;
            case AgentInput.Kernel { Event: KernelEvent e }:
                _engine.OnKernelEvent(e, Now);
                break;
            case AgentInput.Kernel { Event: RouteAdded r }:
                _engine.DataPlane.Route(r.Route);
                break;
            case AgentInput.Kernel { Event: RouteRemoved r }:
                _engine.DataPlane.RouteGone(r.Route);
                break;
            case AgentInput.RoutesLost lost:
                ReadRoutes(lost.Table);
                ApplyRoutes();
                break;
            case AgentInput.RoutesPending:
                ApplyRoutes();
                break;
            case AgentInput.UplinkChanged:
                OnUplinkChanged();
                break;
            case AgentInput.Command c:
                c.Reply.TrySetResult(Execute(c.Text));
                PagesTouched(byCommand: true);   // what `status` touched goes back too
                break;
        }
    }

    /// <summary>An exchange or a command ran: its pages go back after the next quiet spell (once connected; start-up's at the first).</summary>
    private void PagesTouched(bool byCommand = false)
    {
        if (_engine.GroupSasAccepted == 0)
        {
            return;
        }
        if (byCommand)
        {
            _pageRelease.Command(Now);
        }
        else
        {
            _pageRelease.Activity(Now);
        }
    }

    /// <summary>Quiet after an exchange (start-up, a rollover, a liveness check): the file pages it touched go back.</summary>
    private void ReleaseFilePages()
    {
        if (!_log.IsEnabled(LogLevel.Debug))
        {
            FilePages.ReleaseOwn();
            return;
        }
        var before = FilePages.ResidentKb();
        var (bytes, error) = FilePages.ReleaseOwn();
        _log.FilePagesReleased(bytes / 1024, before, FilePages.ResidentKb(), error ?? "none");
    }

    private string Execute(string command)
    {
        switch (command.Trim())
        {
            case "status":
                return Status().ToText();
            case "status --json":
                return AgentCli.StatusJson(Status());
            case "reload":
                return Reload() ? ReloadedAnswer : ReloadFailedAnswer;
            case "check-liveness":
                Send(_engine.CheckLiveness(Now));
                return "liveness check sent\n";
            default:
                return $"error: unknown command '{command.Trim()}' (status, status --json, reload, check-liveness)\n";
        }
    }

    private const string ReloadedAnswer = "reloaded\n";
    private const string ReloadFailedAnswer = "reload failed: the configuration has errors (see the log); the running one stays\n";

    /// <summary>The file read again; null when it has errors, each logged (the running configuration stays).</summary>
    private static AgentSettings? ReadConfig(string configPath, ILogger log)
    {
        var warnings = new List<ConfigError>();
        if (!ConfigReader.TryLoad(configPath, r => AgentConfigFile.Read(r, warnings.Add), out var next, out var errors))
        {
            foreach (var e in errors)
            {
                log.ReloadRefused(e);
            }
            return null;
        }
        foreach (var w in warnings)
        {
            log.ConfigWarning(w);
        }
        return next;
    }

    private bool Reload()
    {
        if (ReadConfig(_configPath, _log) is not { } next)
        {
            return false;
        }
        Send(_engine.Reconfigure(next, Now));
        _settings = next;
        _log.Reloaded();
        // procd reloads on the uplink's ifup (uplink_interface): look at the uplink again, and ask the controller at
        // once whether the IKE SA survived whatever happened upstream
        OnUplinkChanged();
        Send(_engine.CheckLiveness(Now));
        return true;
    }

    private Task<string> OnControlAsync(string command, CancellationToken cancel) =>
        _loop.AskAsync<string>(reply => new AgentInput.Command(command, reply), cancel);

    private void Send(IReadOnlyList<Outgoing> send)
    {
        foreach (var o in send)
        {
            // After a NAT was detected the SA lives on port 4500, framed with the non-ESP marker (RFC 3948).
            var via = o.To.Port == UdpEndpoint.NatTraversalPort && _natSocket is not null ? _natSocket : _socket;
            via.SendTo(o.Datagram, o.To);
        }
    }

    /// <summary>
    /// With route_table set: the routes already in the table become peers (their gateway is a peer's underlay address,
    /// as BIRD or FRR install them from the route reflector, draft §4.1), and later changes follow; when the kernel
    /// drops events (thousands of routes at once), the table is read again. In-memory kernels (--dry-run) have no routes.
    /// </summary>
    private RouteMonitor? WatchRoutes(AgentSettings settings)
    {
        if (settings.DataPlane.RouteTable is not int table || _kernel is InMemoryKernel)
        {
            return null;
        }
        try
        {
            var monitor = new RouteMonitor((uint)table, e => _loop.Post(new AgentInput.Kernel(e)), () => _loop.Post(new AgentInput.RoutesLost((uint)table)));
            _loop.Post(new AgentInput.RoutesLost((uint)table));   // the table as it is now, after the monitor listens
            return monitor;
        }
        catch (NetlinkException e)
        {
            _log.NoRoutes(table, e.Message);
            return null;
        }
    }

    /// <summary>A slice of a re-read table's changes; the rest queues behind datagrams and timers that came in meanwhile.</summary>
    private void ApplyRoutes()
    {
        const int RoutesPerSlice = 256;
        if (_engine.DataPlane.ApplyRoutes(RoutesPerSlice))
        {
            _loop.Post(new AgentInput.RoutesPending());
        }
    }

    /// <summary>Dumps the watched table (the first time at start, then after lost events, which is logged).</summary>
    private void ReadRoutes(uint table)
    {
        try
        {
            using var dump = new RouteTable();
            var routes = dump.Dump(table);
            if (_routesRead)
            {
                _log.RoutesResynced(table, routes.Count);
            }
            _routesRead = true;
            _engine.DataPlane.Routes(routes);
        }
        catch (NetlinkException e)
        {
            _log.NoRoutes((int)table, e.Message);
        }
    }

    private static IPAddress AnyOf(IPAddress like) => like.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;

    public void Dispose()
    {
        _engine.Dispose();
    }
}
