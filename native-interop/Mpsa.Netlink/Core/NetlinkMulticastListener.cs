namespace Mpsa.Netlink.Core;

/// <summary>
/// A socket bound to multicast groups and a background thread that hands each received message to a handler.
/// Threading: the handler runs on this listener's own thread, one message at a time; it must be quick and must not
/// throw (the agent posts the event into its driver loop's channel and returns). The thread sleeps until a message
/// comes: <see cref="Dispose"/> wakes it through an eventfd (where the kernel refuses one, it wakes once per poll
/// interval to look), then closes the socket; no call of the handler starts after it returns (unless Dispose is called
/// from the handler itself).
/// </summary>
internal sealed class NetlinkMulticastListener : IDisposable
{
    private readonly int _pollMilliseconds;

    private readonly NetlinkSocket _socket;
    private readonly NetlinkMessageHandler _handler;
    private readonly Action? _overrun;
    private readonly Thread _thread;
    private readonly int _wake;
    private volatile bool _stopping;
    private long _overruns;
    private long _malformed;

    /// <summary>Opens the socket (throws <see cref="NetlinkException"/> when refused) and starts the thread.</summary>
    /// <param name="overrun">Called on the listener's thread each time the kernel dropped events (the caller resyncs).</param>
    /// <param name="pollMilliseconds">Without an eventfd: how often the thread wakes to see whether it is disposed.</param>
    public NetlinkMulticastListener(NetlinkProtocol protocol, uint groups, NetlinkMessageHandler handler, string name, Action? overrun = null,
        int pollMilliseconds = 200)
    {
        _pollMilliseconds = pollMilliseconds;
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _overrun = overrun;
        _socket = NetlinkSocket.Open(protocol, groups, receiveBufferBytes: 1 << 20);
        _wake = NetlinkSyscalls.NewWakeFd();
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Times the kernel dropped events because the receive buffer was full (ENOBUFS); a resync is then due.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Datagrams skipped because their lengths did not add up.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public void Dispose()
    {
        _stopping = true;
        if (_wake >= 0)
        {
            NetlinkSyscalls.Wake(_wake);
        }
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        _socket.Dispose();
        if (_wake >= 0)
        {
            NetlinkSyscalls.CloseFd(_wake);
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            NetlinkError? error;
            try
            {
                error = _wake >= 0 ? _socket.ReceiveOnce(-1, Deliver, _wake) : _socket.ReceiveOnce(_pollMilliseconds, Deliver);
            }
            catch (NetlinkParseException)
            {
                Interlocked.Increment(ref _malformed);
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (error is { Errno: Errno.ENOBUFS })
            {
                Interlocked.Increment(ref _overruns);
                _overrun?.Invoke();
            }
            else if (error is not null)
            {
                Thread.Sleep(_pollMilliseconds); // e.g. EBADF during shutdown; do not spin
            }
        }
    }

    private void Deliver(NetlinkMessage message)
    {
        if (!_stopping)
        {
            _handler(message);
        }
    }
}
