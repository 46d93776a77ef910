using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Agent.Config;
using Mpsa.Agent.Uplink;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Route;

namespace Mpsa.Agent;

/// <summary>
/// The daemon and its uplink: at start it waits for a way to the controller; afterwards it follows the address IKE
/// leaves from. When that address changes (a PPPoE or DHCP reconnect gave the WAN a new one) and the controller
/// announced MOBIKE, the IKE SA moves (RFC 4555) and the kernel's states and policies move with it, make-before-break
/// (<see cref="AgentEngine.Move"/>). Without MOBIKE the engine is replaced by one bound to the new address: it reconnects
/// at once (a new IKE SA with INITIAL_CONTACT, so the controller drops the old one and sends its MPSA_PUTs to the new
/// address), and, as after a restart, takes over the kernel with states and policies naming the new address (the
/// underlay too, unless it is configured).
/// </summary>
internal sealed partial class AgentDaemon
{
    private IPAddress _ikeSource;
    private IPAddress? _previousIkeSource;
    private MonoTime? _ikeSourceChangedAt;
    private bool _uplinkLost;

    /// <summary>
    /// Watches addresses and routes for the rest of the run: each change posts <see cref="AgentInput.UplinkChanged"/>,
    /// and the loop asks the routing table again. With local_address pinning IKE to one address, only the uplink going
    /// and coming back matters.
    /// </summary>
    private AddressAndRouteMonitor? FollowUplink()
    {
        var log = _log;
        return OpenMonitor(() => _loop.Post(new AgentInput.UplinkChanged()), 1000, error => log.CannotFollowUplink(error));
    }

    private void OnUplinkChanged()
    {
        var state = UplinkProbe.Now(_settings.Controller.Address, _settings.LocalAddress);
        if (!state.IsUp)
        {
            // a link flap or a reconnect under way: nothing is torn down; liveness decides about the IKE SA
            if (!_uplinkLost)
            {
                _uplinkLost = true;
                _log.UplinkLost(state.Missing!);
            }
            return;
        }
        bool wasLost = _uplinkLost;
        _uplinkLost = false;
        if (state.Source!.Equals(_ikeSource))
        {
            if (wasLost)
            {
                _log.UplinkBack(state.Source);
                Send(_engine.UplinkBack(Now));
            }
            return;
        }
        _previousIkeSource = _ikeSource;
        _ikeSource = state.Source;
        _ikeSourceChangedAt = Now;
        var underlay = _settings.DataPlane.Underlay ?? _ikeSource;
        if (_engine.Move(_ikeSource, underlay, NatDetectionEndpoint(_ikeSource), Now) is { } moved)
        {
            _log.IkeSourceChanged(_previousIkeSource, _ikeSource, "moving the IKE SA there (MOBIKE); the kernel's states and policies moved");
            Send(moved);
            return;
        }
        _log.IkeSourceChanged(_previousIkeSource, _ikeSource, _engine.State == Supervisor.ConnectionState.Connected
            ? "the controller has no MOBIKE: reconnecting from the new address, the kernel's states and policies follow"
            : "connecting from the new address, the kernel's states and policies follow");
        _engine.Dispose();
        _engine = NewEngine(_settings, _ikeSource, underlay);
        Send(_engine.Start(Now));
        if (_settings.DataPlane.RouteTable is int table && _kernel is not Mpsa.Netlink.Kernel.InMemoryKernel)
        {
            _loop.Post(new AgentInput.RoutesLost((uint)table));   // the new engine's peers: the table read again
        }
    }

    /// <summary>The engine's status, with when the address IKE leaves from last changed.</summary>
    private AgentStatus Status()
    {
        var status = _engine.Status(Now);
        if (_ikeSourceChangedAt is not { } at || status.Uplink is not { } uplink)
        {
            return status;
        }
        return status with
        {
            Uplink = uplink with
            {
                PreviousLocalAddress = _previousIkeSource?.ToString(),
                ChangedSecondsAgo = (long)Math.Max(0, (Now - at).TotalSeconds),
            },
        };
    }

    /// <summary>
    /// The address IKE leaves from, once the uplink is there (at once, usually), with the settings in force then; a null
    /// address when stopped first. While it waits, the control socket answers `status` with what is missing, and a reload
    /// (SIGHUP, `reload`) reads the file again and looks again at once: a corrected controller address is what the wait
    /// is for from then on.
    /// </summary>
    private static (IPAddress? Source, AgentSettings Settings) WaitForUplink(string configPath, AgentSettings settings, ILogger log,
        SignalHandling signals, CancellationToken stop)
    {
        var first = UplinkProbe.Now(settings.Controller.Address, settings.LocalAddress);
        if (first.IsUp)
        {
            return (first.Source, settings);
        }
        // Replaced by a reload (on the signal's or the control socket's thread) and by each look, read by status.
        var current = settings;
        string missing = first.Missing!;
        Action? lookAgain = null;
        bool Reload()
        {
            if (ReadConfig(configPath, log) is not { } next)
            {
                return false;
            }
            Volatile.Write(ref current, next);
            log.Reloaded();
            Volatile.Read(ref lookAgain)?.Invoke();
            return true;
        }
        signals.ReloadTo(() => Reload());
        var control = ControlServer.Start(settings.ControlSocket,
            (command, _) => Task.FromResult(WhileWaiting(command, Volatile.Read(ref current), Volatile.Read(ref missing), Reload)), log);
        try
        {
            var source = UplinkWait.UntilUp(() =>
            {
                var now = Volatile.Read(ref current);
                var state = UplinkProbe.Now(now.Controller.Address, now.LocalAddress);
                Volatile.Write(ref missing, state.Missing ?? missing);
                return state;
            }, changed =>
            {
                Volatile.Write(ref lookAgain, changed);
                return WatchUplink(changed, log);
            }, log, TimeSpan.FromMinutes(1), PollWithoutUplinkEvents, stop);
            return (source, Volatile.Read(ref current));
        }
        finally
        {
            signals.ReloadTo(null);   // from here until the loop runs, a reload waits for it
            control.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The control socket's answers before there is an engine to ask.</summary>
    private static string WhileWaiting(string command, AgentSettings settings, string missing, Func<bool> reload)
    {
        var status = new AgentStatus(new ControllerStatus("waiting-for-uplink", settings.Controller.ToString(), settings.ControllerIdentity, null),
            null, null, [])
        {
            Uplink = new UplinkStatus(null, null, missing),
            Memory = MemoryStatus.Now(),
        };
        return command.Trim() switch
        {
            "status" => status.ToText(),
            "status --json" => AgentCli.StatusJson(status),
            "reload" => reload() ? ReloadedAnswer : ReloadFailedAnswer,
            _ => $"error: waiting for the uplink ({missing}); '{command.Trim()}' can wait until the controller is reachable\n",
        };
    }

    private static readonly TimeSpan PollWithoutUplinkEvents = TimeSpan.FromSeconds(5);

    private static AddressAndRouteMonitor? WatchUplink(Action changed, ILogger log) =>
        OpenMonitor(changed, 200, error => log.CannotWatchUplink(error, (int)PollWithoutUplinkEvents.TotalSeconds));

    /// <summary>The rtnetlink monitor, or null (after <paramref name="refused"/>) when the kernel refuses its socket.</summary>
    private static AddressAndRouteMonitor? OpenMonitor(Action changed, int pollMilliseconds, Action<string> refused)
    {
        try
        {
            return new AddressAndRouteMonitor(changed, pollMilliseconds);
        }
        catch (NetlinkException e)
        {
            refused(e.Message);
            return null;
        }
    }
}
