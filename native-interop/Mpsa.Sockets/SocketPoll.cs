namespace Mpsa.Sockets;

/// <summary>
/// One thread's wait for input on several sockets and for a wake-up from other threads, in one poll(2) over the
/// sockets and an eventfd: a loop that owns its sockets receives from them itself, instead of a receiving thread
/// handing it each datagram (a context switch each way). The sockets' descriptors stay open until the poll is disposed.
/// </summary>
internal sealed class SocketPoll : IDisposable
{
    private readonly SocketHandle[] _handles;
    private readonly int[] _fds;      // the eventfd, then the sockets'
    private readonly bool[] _ready;   // after a wait: which of _fds has input
    private int _disposed;

    public SocketPoll(IReadOnlyList<PosixSocket> sockets)
    {
        int eventFd = SocketSyscalls.EventFd(out int errno);
        if (eventFd < 0)
        {
            throw SocketErrors.Exception(errno);
        }
        _fds = new int[sockets.Count + 1];
        _ready = new bool[_fds.Length];
        _handles = new SocketHandle[sockets.Count];
        _fds[0] = eventFd;
        for (int i = 0; i < sockets.Count; i++)
        {
            bool added = false;
            _handles[i] = sockets[i].Handle;
            _handles[i].DangerousAddRef(ref added);
            _fds[i + 1] = _handles[i].DangerousGetHandle().ToInt32();
        }
    }

    /// <summary>How many sockets it polls.</summary>
    public int Sockets => _handles.Length;

    /// <summary>Thread-safe: ends the current or the next <see cref="Wait"/> at once.</summary>
    public void Wake() => SocketSyscalls.RaiseEventFd(_fds[0]);

    /// <summary>
    /// Waits at most <paramref name="milliseconds"/> (0: only looks; -1: no limit) for input on a socket or a
    /// <see cref="Wake"/>; then <see cref="HasInput"/> tells which sockets have some.
    /// </summary>
    /// <returns>Whether a wake-up came (it is cleared).</returns>
    public bool Wait(int milliseconds)
    {
        SocketSyscalls.PollInput(_fds, _ready, milliseconds, out _);
        if (_ready[0])
        {
            SocketSyscalls.ClearEventFd(_fds[0]);
        }
        return _ready[0];
    }

    /// <summary>Whether the last <see cref="Wait"/> saw input (or an error to read) on socket <paramref name="index"/>.</summary>
    public bool HasInput(int index) => _ready[index + 1];

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var h in _handles)
        {
            h.DangerousRelease();
        }
        SocketSyscalls.Close(_fds[0]);
    }
}
