using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Controller.Members;
using Mpsa.Controller.State;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Xfrm;
using Mpsa.Sockets;

namespace Mpsa.Controller;

/// <summary>
/// `mpsa-controller run`: UDP listeners and the control socket post to one driver loop that owns the engine.
/// SIGHUP reloads; SIGTERM/SIGINT say goodbye to members (Delete, a bounded wait) and exit 0.
/// </summary>
internal sealed partial class ControllerDaemon : IDisposable
{
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CookieRotation = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DropCheckInterval = TimeSpan.FromSeconds(1);
    private const int MaxDatagramsPerTurn = 64;   // per socket, before the loop looks at its other input again
    private const int ReceiveSlots = 16;          // datagrams per recvmmsg: 1 MiB of slots per socket, touched as used

    /// <summary>The source address the routing table gives each peer address, for a wildcard socket's NAT detection.</summary>
    private readonly Dictionary<IPAddress, IPAddress?> _routedSources = [];
    private const int MaxRememberedNatPeers = 100_000;
    /// <summary>
    /// Each socket's receive buffer, per datagram max_pending_requests allows (the default 32,768 gives 8 MiB: the
    /// answers of a 10,000-member fan-out arrive at once). The kernel drops what does not fit.
    /// </summary>
    private const int ReceiveBufferBytesPerDatagram = 256;

    private readonly string _configPath;
    private readonly ILogger _log;
    private readonly DriverLoop<ControllerInput> _loop = new();
    private readonly DriverLoop<SaInitJob> _crypto = new();   // IKE_SA_INIT's DH and key schedule, on a second core
    private readonly List<UdpEndpoint> _sockets = [];
    private IPAddress[]? _boundV4, _boundV6;   // see LocalAddressTowards
    private readonly Dictionary<IPEndPoint, UdpEndpoint> _natPeers = [];
    private readonly ControllerEngine _engine;
    private readonly XfrmKernel? _kernel;
    private MonoTime _nextCookieRotation;
    private readonly int _maxQueued;
    private readonly List<DatagramHandler> _receivers = [];   // one per socket, made once
    private long _kernelDrops;      // the sockets' drop counts when last read
    private long _unloggedDrops;    // dropped since the last warning
    private MonoTime _nextDropCheck, _nextQueueFullLog;

    /// <summary>Exit code when the state file cannot be used (EX_DATAERR): restarting does not fix it.</summary>
    public const int ExitStateRefused = 65;

    private ControllerDaemon(string configPath, ControllerSettings settings, ILogger log, IGroupStateStore state)
    {
        _configPath = configPath;
        _log = log;
        _kernel = settings.InstallChildSa ? OpenKernel(log) : null;
        var childSas = _kernel is null ? null : new MemberChildSas(_kernel, LocalAddressTowards, log);
        _engine = new ControllerEngine(settings, log, BufferedRandom.Instance, DriverLoop<ControllerInput>.Now, childSas,
            job => _crypto.Post(job), state);
        _loop.EndOfTurn = SendQueued;
        _nextCookieRotation = DriverLoop<ControllerInput>.Now + CookieRotation;
        _maxQueued = settings.MaxQueuedDatagrams;
    }

    private static MonoTime Now => DriverLoop<ControllerInput>.Now;

    /// <param name="resetState">Start with new group SAs whatever the state file holds (<c>--reset-state</c>).</param>
    public static async Task<int> RunAsync(string configPath, ControllerSettings settings, ILoggerFactory logs, bool resetState = false)
    {
        var log = logs.CreateLogger("mpsa-controller");
        HmacLibrary.PreferLibcrypto();
        log.HmacOn(HmacLibrary.Sha256);
        using var stop = new CancellationTokenSource();
        using var signals = SignalHandling.Register(stop, null, log);   // from here to the exit (a replica's wait, RunAsync)
        if (settings.Cluster is { } cluster)
        {
            return await RunReplicaAsync(configPath, settings, cluster, logs, log, signals, stop.Token).ConfigureAwait(false);
        }
        GroupStateStore state;
        try
        {
            state = GroupStateStore.Open(settings.StateDirectory, settings.StateKeyFile, resetState, Now);
        }
        catch (StateException e)
        {
            log.StateRefused(e.Message);
            return ExitStateRefused;
        }
        using (state)
        {
            if (state.ResetTo is { } kept)
            {
                log.StateReset(kept);
            }
            log.StateOpened(state.FilePath, settings.StateKeyFile, state.KeyCreated ? " (made now: back it up with the state file)" : "");
            using var daemon = new ControllerDaemon(configPath, settings, log, state);
            return await daemon.RunAsync(settings, logs, signals, stop.Token).ConfigureAwait(false);
        }
    }

    private async Task<int> RunAsync(ControllerSettings settings, ILoggerFactory logs, SignalHandling signals, CancellationToken stop)
    {
        signals.ReloadTo(() => _loop.Post(new ControllerInput.Reload()));
        if (!TryStartMetrics(settings, out var metricsProvider))
        {
            return 71;
        }
        using var metricsEndpoint = metricsProvider;
        try
        {
            foreach (var (endpoint, required) in settings.Listen.Select(e => (e, true)).Concat(settings.NatTraversalListen.Select(e => (e, false))))
            {
                UdpEndpoint socket;
                try
                {
                    socket = new UdpEndpoint(endpoint, endpoint.Port == UdpEndpoint.NatTraversalPort ? true : null, logs.CreateLogger("mpsa-controller.udp"),
                        ReceiveSlots);
                }
                catch (SocketException e) when (!required)
                {
                    _log.NoNatTraversalListen(endpoint, e.Message);
                    continue;
                }
                socket.RequestReceiveBuffer((int)Math.Min(int.MaxValue / 2, (long)_maxQueued * ReceiveBufferBytesPerDatagram));
                _sockets.Add(socket);
                _receivers.Add((datagram, from) => OnDatagram(datagram, from, socket));
                if (_kernel is not null)
                {
                    // Members' CHILD_SAs cover all traffic between the two addresses: IKE itself bypasses them, and ESP in
                    // UDP on the NAT-T port goes to the kernel.
                    socket.EnableIpsecBypass();
                    if (socket.IsNatTraversal)
                    {
                        socket.EnableKernelEspInUdp();
                    }
                }
                _log.Listening(socket.LocalEndPoint);
            }
            _engine.ServesNatTraversal = _sockets.Any(s => s.IsNatTraversal);
        }
        catch (SocketException e)
        {
            _log.CannotListen(e.Message);
            return 71;
        }
        // The loop receives from the sockets itself (no thread hands it the datagrams, at a context switch each).
        using var poll = new SocketPoll(_sockets.ConvertAll(s => s.Socket));
        _loop.ReceiveFrom(poll, i => _sockets[i].ReceiveWaiting(_receivers[i], MaxDatagramsPerTurn));
        // The crypto thread runs each job and posts it back; the engine's state stays on the loop's thread.
        using var stopCrypto = new CancellationTokenSource();
        var crypto = _crypto.RunOnThreadAsync(() => null, RunSaInit, _ => { }, stopCrypto.Token, threadName: "mpsa-crypto");
        // the kernel's expire messages for members' CHILD_SA states (a soft expire before our rekey timer rekeys now)
        using var kernelEvents = _kernel?.Subscribe(e => _loop.Post(new ControllerInput.Kernel(e)));
        await using (ControlServer.Start(settings.ControlSocket, OnControlAsync, logs.CreateLogger("mpsa-controller.control")))
        {
            // Type=notify: ready once every socket is bound; stopping from the signal on.
            SdNotify.Ready();
            using var stopping = stop.Register(() => SdNotify.Stopping());
            // One loop at a time touches the engine: each ends (its thread with it) before the next step starts.
            await _loop.RunOnThreadAsync(NextDeadline, Handle, OnTimeout, stop).ConfigureAwait(false);
            // Goodbye: Delete to every member, and a bounded wait for their answers.
            Send(_engine.Shutdown(Now));
            SendQueued();
            await _loop.RunOnThreadAsync(() => _engine.NextDeadline, Handle, now => Send(_engine.OnTimeout(now)), CancellationToken.None,
                Now + GoodbyeTimeout, () => _engine.ConnectedCount == 0).ConfigureAwait(false);
        }
        await stopCrypto.CancelAsync().ConfigureAwait(false);
        await crypto.ConfigureAwait(false);
        // The sockets outlived the stop signal: members' answers to our Deletes still had to come in.
        foreach (var s in _sockets)
        {
            s.Dispose();
        }
        return 0;
    }

    private void RunSaInit(SaInitJob job)
    {
        try
        {
            job.Run();
        }
#pragma warning disable CA1031 // a bug in one key exchange must not stop the thread that serves all others
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.SaInitFailed(e.Message);
        }
        // Back to the loop in every case: a job that threw comes back without keys, and its reservation is released.
        _loop.Post(new ControllerInput.SaInitComputed(job));
    }

    /// <summary>On the loop's thread, for each datagram it receives.</summary>
    private void OnDatagram(ReadOnlyMemory<byte> datagram, IPEndPoint from, UdpEndpoint via)
    {
        var now = Now;
        if (now >= _nextDropCheck)
        {
            CheckKernelDrops(now);
        }
        if (via.IsNatTraversal && _natPeers.Count < MaxRememberedNatPeers)
        {
            _natPeers[from] = via;
        }
        var bytes = datagram.ToArray();   // the engine keeps some (IKE_SA_INIT for AUTH); the receive buffer is reused
        Send(_engine.Receive(bytes, from, now, LocalEndPoint(bytes, from, via)));
    }

    /// <summary>
    /// What the sockets' receive buffers could not hold (the kernel's drop counts, read at most once a second while
    /// datagrams come in, and for the metrics): counted as queue_full and warned about, at most once per interval.
    /// </summary>
    private void CheckKernelDrops(MonoTime now)
    {
        _nextDropCheck = now + DropCheckInterval;
        long drops = 0;
        foreach (var s in _sockets)
        {
            drops += s.KernelDrops;
        }
        if (drops > _kernelDrops)
        {
            _metrics?.Dropped("queue_full", drops - _kernelDrops);
            _unloggedDrops += drops - _kernelDrops;
        }
        _kernelDrops = drops;
        if (_unloggedDrops > 0 && now >= _nextQueueFullLog)
        {
            _log.QueueFull(_maxQueued, _unloggedDrops);
            _unloggedDrops = 0;
            _nextQueueFullLog = now + LimitLog.Interval;
        }
    }

    private MonoTime? NextDeadline() => MonoTime.Min(_engine.NextDeadline, _nextCookieRotation);

    private void OnTimeout(MonoTime now)
    {
        Send(_engine.OnTimeout(now));
        if (now >= _nextCookieRotation)
        {
            _nextCookieRotation = now + CookieRotation;
            _routedSources.Clear();   // routes change
            _engine.RotateCookieSecret();
        }
    }

    private void Handle(ControllerInput input)
    {
        switch (input)
        {
            case ControllerInput.SaInitComputed j:
                Send(_engine.CompleteSaInit(j.Job, Now));
                break;
            case ControllerInput.Reload:
                Reload();
                break;
            case ControllerInput.Kernel k:
                Send(_engine.OnKernelEvent(k.Event, Now));
                break;
            case ControllerInput.MetricsWanted m:
                CheckKernelDrops(Now);
                m.Reply.TrySetResult(_engine.MetricsSnapshot(Now));
                break;
            case ControllerInput.Command c:
                c.Reply.TrySetResult(Execute(c.Text, c.Fleet));
                break;
            case ControllerInput.Directory members:
                Send(_engine.SetDirectory(members.Members, Now));
                break;
            case ControllerInput.FleetWanted f:
                f.Reply.TrySetResult(_engine.FleetEntries(_replicaName ?? "", Now, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                break;
            case ControllerInput.Leadership l:
                _engine.SetLeading(l.Leading);
                break;
            case ControllerInput.FollowFailed f:
                _engine.FollowFailed(f.Error);
                break;
            case ControllerInput.ClusterState s:
                Send(_engine.Adopt(s.Groups, Now));
                foreach (var g in s.Groups.Values)
                {
                    g.Dispose();
                }
                break;
        }
    }

    private string Execute(string command, Cluster.FleetView? fleet) => command.Trim() switch
    {
        "status" => ControllerCli.StatusText(_engine.Status(Now, fleet), json: false),
        "status --json" => ControllerCli.StatusText(_engine.Status(Now, fleet), json: true),
        "reload" => Reload() ? "reloaded\n" : "reload failed: the configuration has errors (see the log); the running one stays\n",
        var other => $"error: unknown command '{other}' (status, status --json, reload)\n",
    };

    private bool Reload()
    {
        var warnings = new List<ConfigError>();
        if (!ConfigReader.TryLoad(_configPath, r => ControllerConfigFile.Read(r, warnings.Add), out var next, out var errors))
        {
            foreach (var e in errors)
            {
                _log.ReloadRefused(e.ToString());
            }
            return false;
        }
        foreach (var w in warnings)
        {
            _log.ConfigWarning(w);
        }
        Send(_engine.Reload(next, Now));
        return true;
    }

    private async Task<string> OnControlAsync(string command, CancellationToken cancel)
    {
        var fleet = command.Trim().StartsWith("status", StringComparison.Ordinal) ? await ReadFleetAsync().ConfigureAwait(false) : null;
        return await _loop.AskAsync<string>(reply => new ControllerInput.Command(command, reply) { Fleet = fleet }, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues each datagram on its socket; the loop sends them at the end of its turn (<see cref="SendQueued"/>), in one
    /// sendmmsg per socket for all the turn's answers (a rekey's MPSA_PUTs go to every member at once).
    /// </summary>
    private void Send(IReadOnlyList<Outgoing> send)
    {
        if (send.Count == 0)
        {
            return;
        }
        for (int i = 0; i < send.Count; i++)   // no boxed enumerator per input
        {
            var o = send[i];
            // A member that came in on the NAT-T port is answered there; everyone else from the plain socket of its family.
            var via = _natPeers.TryGetValue(o.To, out var v) ? v : SocketFor(o.To);
            via.Queue(o.Datagram, o.To);
        }
    }

    /// <summary>What <see cref="Send"/> queued, sent now (the loop's <see cref="DriverLoop{TInput}.EndOfTurn"/>).</summary>
    private void SendQueued()
    {
        foreach (var s in _sockets)
        {
            s.Flush();
        }
    }

    /// <summary>The first plain socket of the peer's family, else the first of its family, else the first (no closure per datagram).</summary>
    private UdpEndpoint SocketFor(IPEndPoint to)
    {
        UdpEndpoint? sameFamily = null;
        foreach (var s in _sockets)
        {
            if (SameFamily(s, to))
            {
                if (!s.IsNatTraversal)
                {
                    return s;
                }
                sameFamily ??= s;
            }
        }
        return sameFamily ?? _sockets[0];
    }

    private static XfrmKernel? OpenKernel(ILogger log)
    {
        try
        {
            return new XfrmKernel();
        }
        catch (NetlinkException e)
        {
            log.NoKernel(e.Message);
            return null;
        }
    }

    /// <summary>
    /// Where a datagram arrived, as NAT detection needs it (RFC 7296 §2.23): the socket's address, or on a wildcard
    /// socket (the default listen) the address our answer leaves from, which the routing table picks. Looked up for
    /// IKE_SA_INIT requests only (nothing else uses it), and kept per peer address.
    /// </summary>
    private IPEndPoint? LocalEndPoint(byte[] datagram, IPEndPoint from, UdpEndpoint via)
    {
        var local = via.LocalEndPoint;
        if (!local.Address.Equals(IPAddress.Any) && !local.Address.Equals(IPAddress.IPv6Any))
        {
            return local;
        }
        if (!IkeHeader.TryPeek(datagram, out var h) || h.Exchange != ExchangeType.IKE_SA_INIT || h.IsResponse)
        {
            return null;
        }
        if (!_routedSources.TryGetValue(from.Address, out var source))
        {
            if (_routedSources.Count >= MaxRememberedNatPeers)
            {
                _routedSources.Clear();
            }
            source = SourceAddress.Towards(from.Address);
            _routedSources[from.Address] = source;
        }
        return source is null ? null : new IPEndPoint(source, local.Port);
    }

    /// <summary>The listening address of the peer's family when bound to one, else the routing table's choice.</summary>
    private IPAddress? LocalAddressTowards(IPAddress peer)
    {
        // the sockets are all bound before the first member connects: the answer per family is kept
        var bound = peer.AddressFamily == AddressFamily.InterNetwork ? _boundV4 ??= BoundOnly(peer.AddressFamily) : _boundV6 ??= BoundOnly(peer.AddressFamily);
        return bound.Length == 1 ? bound[0] : SourceAddress.Towards(peer);
    }

    /// <summary>The one specific listening address of the family, or none (several, or a wildcard).</summary>
    private IPAddress[] BoundOnly(AddressFamily family)
    {
        var bound = _sockets.Select(s => s.LocalEndPoint.Address).Where(a => a.AddressFamily == family).Distinct().ToList();
        return bound is [var only] && !only.Equals(IPAddress.Any) && !only.Equals(IPAddress.IPv6Any) ? [only] : [];
    }

    private static bool SameFamily(UdpEndpoint s, IPEndPoint to) =>
        s.LocalEndPoint.AddressFamily == to.AddressFamily || s.LocalEndPoint.Address.Equals(IPAddress.IPv6Any);

    public void Dispose()
    {
        _engine.Dispose();
        _kernel?.Dispose();
        _metrics?.Dispose();
    }
}
