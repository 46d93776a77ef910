using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mpsa.Hosting;

/// <summary>
/// The daemon's signals (docs/ARCHITECTURE.md, "The daemons"), after Hosting's <c>ConsoleLifetime</c>: SIGTERM and
/// SIGINT cancel the root <see cref="CancellationTokenSource"/> and keep the runtime from exiting
/// (<c>Cancel = true</c>), so <c>Main</c> can say goodbye and return 0; a second one while stopping is left to the
/// runtime, which ends the process. SIGHUP calls the reload callback (which should only post a reload to the driver
/// loop). One registration serves the daemon from start to exit, so a signal never meets the runtime's default action
/// (SIGHUP's would end the process): each phase (waiting for the uplink or for etcd, then the loop) points the reloads
/// at itself with <see cref="ReloadTo"/>; one that comes while none takes it is handed to the next. Dispose to unregister.
/// </summary>
internal sealed class SignalHandling : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Lock _reloadLock = new();
    private Action? _reload;
    private bool _reloadPending;
    private readonly ILogger _logger;
    private PosixSignalRegistration[] _registrations = [];

    private SignalHandling(CancellationTokenSource stop, Action? reload, ILogger? logger)
    {
        _stop = stop;
        _reload = reload;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Stop requests seen (SIGTERM and SIGINT).</summary>
    public int StopRequests { get; private set; }

    /// <summary>Reloads requested (SIGHUP).</summary>
    public int ReloadRequests { get; private set; }

    /// <param name="reload">Where SIGHUP goes; null: nowhere yet (see <see cref="ReloadTo"/>).</param>
    public static SignalHandling Register(CancellationTokenSource stop, Action? reload, ILogger? logger = null)
    {
        var handling = new SignalHandling(stop, reload, logger);
        handling._registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, handling.Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, handling.Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, handling.Handle),
        ];
        return handling;
    }

    /// <summary>Sends reloads to <paramref name="reload"/> from now on (null: keeps them); one that came while nobody
    /// took it is handed over at once.</summary>
    public void ReloadTo(Action? reload)
    {
        bool handOver;
        lock (_reloadLock)
        {
            _reload = reload;
            handOver = reload is not null && _reloadPending;
            if (handOver)
            {
                _reloadPending = false;
            }
        }
        if (handOver)
        {
            reload!();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    /// <summary>What a signal does; internal so tests can deliver one without the kernel.</summary>
    internal void Handle(PosixSignalContext context)
    {
        switch (context.Signal)
        {
            case PosixSignal.SIGTERM or PosixSignal.SIGINT:
                string name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";   // not ToString(): no reflection
                StopRequests++;
                if (_stop.IsCancellationRequested)
                {
                    _logger.SecondStopSignal(name);
                    context.Cancel = false;
                    return;
                }
                context.Cancel = true;
                _logger.StopSignal(name);
                _stop.Cancel();
                break;
            case PosixSignal.SIGHUP:
                context.Cancel = true;
                ReloadRequests++;
                _logger.ReloadSignal();
                Action? reload;
                lock (_reloadLock)
                {
                    reload = _reload;
                    _reloadPending |= reload is null;
                }
                reload?.Invoke();
                break;
            default:
                break;
        }
    }
}
