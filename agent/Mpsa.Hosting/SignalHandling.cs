using System.Runtime.InteropServices;

namespace Mpsa.Hosting;

/// <summary>SIGTERM/SIGINT cancel the daemon's root token (it then says goodbye and exits 0); SIGHUP asks for a reload.</summary>
internal sealed class SignalHandling : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;

    private SignalHandling(PosixSignalRegistration[] registrations) => _registrations = registrations;

    public static SignalHandling Register(CancellationTokenSource stop, Action reload)
    {
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        return new SignalHandling([
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
            {
                c.Cancel = true;
                reload();
            }),
        ]);
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
    }
}
