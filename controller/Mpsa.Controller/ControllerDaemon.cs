using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>
/// `mpsa-controller run`: UDP listeners and the control socket feed one channel; one loop owns the engine and
/// wakes for input or the engine's next deadline. SIGHUP reloads; SIGTERM/SIGINT say goodbye to members and exit 0.
/// </summary>
internal sealed class ControllerDaemon
{
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CookieRotation = TimeSpan.FromMinutes(5);

    private readonly string _configPath;
    private readonly ILogger _log;
    private readonly Channel<ControllerInput> _inbox = Channel.CreateUnbounded<ControllerInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<UdpEndpoint> _sockets = [];
    private readonly Dictionary<IPEndPoint, UdpEndpoint> _lastVia = [];
    private ControllerEngine _engine = null!;

    private ControllerDaemon(string configPath, ILogger log)
    {
        _configPath = configPath;
        _log = log;
    }

    public static MonoTime Now => new(Environment.TickCount64);

    public static async Task<int> RunAsync(string configPath, ControllerSettings settings, ILoggerFactory logs)
    {
        var daemon = new ControllerDaemon(configPath, logs.CreateLogger("mpsa-controller"));
        return await daemon.RunAsync(settings, logs).ConfigureAwait(false);
    }

    private async Task<int> RunAsync(ControllerSettings settings, ILoggerFactory logs)
    {
        using var stop = new CancellationTokenSource();
        using var signals = SignalHandling.Register(stop, () => _inbox.Writer.TryWrite(new ControllerInput.Reload()));
        _engine = new ControllerEngine(settings, _log, SystemRandom.Instance, Now);
        try
        {
            foreach (var endpoint in settings.Listen)
            {
                UdpEndpoint? socket = null;
                socket = UdpEndpoint.Bind(endpoint, natTraversal: endpoint.Port == 4500,
                    (datagram, from) => _inbox.Writer.TryWrite(new ControllerInput.Datagram(datagram.ToArray(), from, socket!)),
                    logs.CreateLogger("mpsa-controller.udp"));
                _sockets.Add(socket);
                _log.Listening(socket.LocalEndPoint);
            }
            await using var control = ControlServer.Start(settings.ControlSocket, OnControlAsync, logs.CreateLogger("mpsa-controller.control"));
            await LoopAsync(stop.Token).ConfigureAwait(false);
            await GoodbyeAsync().ConfigureAwait(false);
            return 0;
        }
        catch (SocketException e)
        {
            _log.LogError("cannot listen: {Error}", e.Message);
            return 71;
        }
        finally
        {
            foreach (var s in _sockets)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }
            _engine.Dispose();
        }
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        var nextRotation = Now + CookieRotation;
        while (!stop.IsCancellationRequested)
        {
            var deadline = MonoTime.Min(_engine.NextDeadline, nextRotation)!.Value;
            await WaitAsync(deadline, stop).ConfigureAwait(false);
            while (_inbox.Reader.TryRead(out var input))
            {
                Handle(input);
            }
            var now = Now;
            if (now >= deadline)
            {
                Send(_engine.OnTimeout(now));
            }
            if (now >= nextRotation)
            {
                nextRotation = now + CookieRotation;
                _engine.RotateCookieSecret();
            }
        }
    }

    private async Task WaitAsync(MonoTime deadline, CancellationToken stop)
    {
        long ms = Math.Clamp(deadline.Milliseconds - Now.Milliseconds, 0, int.MaxValue);
        if (ms == 0 || _inbox.Reader.TryPeek(out _))
        {
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(ms));
        try
        {
            await _inbox.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Handle(ControllerInput input)
    {
        switch (input)
        {
            case ControllerInput.Datagram d:
                _lastVia[d.From] = d.Via;
                Send(_engine.Receive(d.Bytes, d.From, Now));
                break;
            case ControllerInput.Reload:
                Reload();
                break;
            case ControllerInput.Command c:
                c.Reply.TrySetResult(Execute(c.Text));
                break;
        }
    }

    private string Execute(string command)
    {
        switch (command.Trim())
        {
            case "status":
                return ControllerCli.StatusText(_engine.Status(Now), json: false);
            case "status --json":
                return ControllerCli.StatusText(_engine.Status(Now), json: true);
            case "reload":
                return Reload() ? "reloaded\n" : "reload failed: the configuration has errors (see the log); the running one stays\n";
            default:
                return $"error: unknown command '{command.Trim()}' (status, status --json, reload)\n";
        }
    }

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
            _log.LogWarning("{Warning}", w.ToString());
        }
        Send(_engine.Reload(next, Now));
        return true;
    }

    private Task<string> OnControlAsync(string command, CancellationToken cancel)
    {
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancel.Register(() => reply.TrySetCanceled(cancel));
        _inbox.Writer.TryWrite(new ControllerInput.Command(command, reply));
        return reply.Task;
    }

    private async Task GoodbyeAsync()
    {
        Send(_engine.Shutdown(Now));
        var until = Now + GoodbyeTimeout;
        while (_engine.ConnectedCount > 0 && Now < until)
        {
            await WaitAsync(MonoTime.Min(_engine.NextDeadline, until)!.Value, CancellationToken.None).ConfigureAwait(false);
            while (_inbox.Reader.TryRead(out var input))
            {
                if (input is ControllerInput.Datagram d)
                {
                    Send(_engine.Receive(d.Bytes, d.From, Now));
                }
            }
            Send(_engine.OnTimeout(Now));
        }
    }

    private void Send(IReadOnlyList<Outgoing> send)
    {
        foreach (var o in send)
        {
            var via = _lastVia.TryGetValue(o.To, out var v) ? v
                : _sockets.FirstOrDefault(s => s.LocalEndPoint.AddressFamily == o.To.AddressFamily) ?? _sockets[0];
            via.SendTo(o.Datagram, o.To);
        }
    }
}
