namespace Mpsa.Netlink.Kernel;

/// <summary>Runs an action once, on the first <see cref="Dispose"/> (an event subscription handle).</summary>
internal sealed class DisposeAction(Action action) : IDisposable
{
    private Action? _action = action;

    public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
}
