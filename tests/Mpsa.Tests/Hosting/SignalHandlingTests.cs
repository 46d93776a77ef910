using System.Diagnostics;
using System.Runtime.InteropServices;
using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

[NonParallelizable]
public class SignalHandlingTests
{
    [Test]
    public void CancelsOnSigtermAndKeepsTheRuntimeRunning()
    {
        using var stop = new CancellationTokenSource();
        using var signals = SignalHandling.Register(stop, () => { });
        var context = new PosixSignalContext(PosixSignal.SIGTERM);

        signals.Handle(context);

        Assert.That(stop.IsCancellationRequested, Is.True);
        Assert.That(context.Cancel, Is.True);
    }

    [Test]
    public void LeavesASecondStopSignalToTheRuntime()
    {
        using var stop = new CancellationTokenSource();
        using var signals = SignalHandling.Register(stop, () => { });
        signals.Handle(new PosixSignalContext(PosixSignal.SIGINT));
        var second = new PosixSignalContext(PosixSignal.SIGINT);

        signals.Handle(second);

        Assert.That(second.Cancel, Is.False);
        Assert.That(signals.StopRequests, Is.EqualTo(2));
    }

    [Test]
    public void ReloadsOnSighupWithoutStopping()
    {
        using var stop = new CancellationTokenSource();
        int reloads = 0;
        using var signals = SignalHandling.Register(stop, () => reloads++);
        var context = new PosixSignalContext(PosixSignal.SIGHUP);

        signals.Handle(context);

        Assert.That(reloads, Is.EqualTo(1));
        Assert.That(context.Cancel, Is.True);
        Assert.That(stop.IsCancellationRequested, Is.False);
    }

    [Test]
    public void KeepsAReloadNobodyTookAndHandsItToTheNextTarget()
    {
        using var stop = new CancellationTokenSource();
        using var signals = SignalHandling.Register(stop, null);
        var context = new PosixSignalContext(PosixSignal.SIGHUP);
        signals.Handle(context);
        signals.Handle(new PosixSignalContext(PosixSignal.SIGHUP));
        Assert.That(context.Cancel, Is.True, "kept from the runtime's default action, which ends the process");

        int first = 0, second = 0;
        signals.ReloadTo(() => first++);
        Assert.That(first, Is.EqualTo(1), "the kept reloads handed over, as one");
        signals.Handle(new PosixSignalContext(PosixSignal.SIGHUP));
        Assert.That(first, Is.EqualTo(2));

        signals.ReloadTo(null);
        signals.ReloadTo(() => second++);
        Assert.That(second, Is.Zero, "nothing was kept");
        Assert.That(signals.ReloadRequests, Is.EqualTo(3));
    }

    [Test]
    public void TakesARealSighupFromTheKernel()
    {
        using var stop = new CancellationTokenSource();
        using var reloaded = new ManualResetEventSlim();
        using var signals = SignalHandling.Register(stop, reloaded.Set);

        using (var kill = Process.Start("kill", ["-HUP", Environment.ProcessId.ToString()]))
        {
            kill.WaitForExit();
            Assert.That(kill.ExitCode, Is.Zero);
        }

        Assert.That(reloaded.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(stop.IsCancellationRequested, Is.False);
    }
}
