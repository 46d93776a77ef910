using System.Net;
using System.Net.Sockets;

namespace Mpsa.Sockets;

/// <summary>
/// A blocking UDP or Unix-domain stream socket on libc, with the calls the daemons make (the subset of
/// <see cref="Socket"/> they used, by the same names). Failures throw <see cref="SocketException"/> with the code and
/// message System.Net.Sockets gives; calls on a disposed socket throw <see cref="ObjectDisposedException"/>.
/// A call blocked in another thread is woken by <see cref="Shutdown"/> (a receive then returns 0) or by
/// <see cref="Dispose"/>, which shuts the socket down before it closes it.
/// </summary>
internal sealed class PosixSocket : IDisposable
{
    private const int SolSocket = 1, SoRcvBuf = 8;              // asm-generic/socket.h
    private const int SolIpv6 = 41, Ipv6V6Only = 26;           // linux/in6.h

    private readonly SocketHandle _handle;
    private int _disposed;

    private PosixSocket(SocketHandle handle, AddressFamily family)
    {
        _handle = handle;
        AddressFamily = family;
    }

    public AddressFamily AddressFamily { get; }

    /// <summary>The descriptor's owner, for a <see cref="SocketPoll"/>.</summary>
    internal SocketHandle Handle => _handle;

    /// <summary>True once <see cref="Dispose"/> has begun: a receive that returned 0 then was woken by it.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public static PosixSocket Udp(AddressFamily family) =>
        Open(family, family == AddressFamily.InterNetworkV6 ? 10 : 2, SocketSyscalls.Datagram, 17);

    public static PosixSocket UnixStream() => Open(AddressFamily.Unix, 1, SocketSyscalls.Stream, 0);

    private static PosixSocket Open(AddressFamily family, int linuxFamily, int type, int protocol)
    {
        int fd = SocketSyscalls.Open(linuxFamily, type, protocol, out int errno);
        return fd < 0 ? throw SocketErrors.Exception(errno) : new PosixSocket(new SocketHandle(fd), family);
    }

    /// <summary>On an IPv6 socket: true serves IPv4 too, as ::ffff:a.b.c.d (IPV6_V6ONLY off).</summary>
    public bool DualMode
    {
        set => SetOption(SolIpv6, Ipv6V6Only, value ? 0 : 1);
    }

    public int ReceiveBufferSize
    {
        get
        {
            using var fd = _handle.Borrow();
            return SocketSyscalls.GetOption(fd.Fd, SolSocket, SoRcvBuf, out int value, out int errno) < 0
                ? throw SocketErrors.Exception(errno) : value;
        }
        set => SetOption(SolSocket, SoRcvBuf, value);
    }

    /// <summary>The bound address (getsockname).</summary>
    public IPEndPoint LocalEndPoint
    {
        get
        {
            Span<byte> address = stackalloc byte[SocketAddresses.MaxLength];
            using var fd = _handle.Borrow();
            int length = SocketSyscalls.LocalAddress(fd.Fd, address, out int errno);
            if (length < 0)
            {
                throw SocketErrors.Exception(errno);
            }
            return SocketAddresses.Read(address[..length]) ?? throw new SocketException((int)SocketError.AddressFamilyNotSupported);
        }
    }

    public void Bind(IPEndPoint local)
    {
        Span<byte> address = stackalloc byte[SocketAddresses.MaxLength];
        Bind(address[..SocketAddresses.Write(local, AddressFamily, address)]);
    }

    public void Bind(string unixPath)
    {
        Span<byte> address = stackalloc byte[SocketAddresses.MaxLength];
        Bind(address[..SocketAddresses.WriteUnix(unixPath, address)]);
    }

    /// <summary>Connects (UDP: fixes the peer and so the route and source address; no packet is sent).</summary>
    public void Connect(IPEndPoint remote)
    {
        Span<byte> address = stackalloc byte[SocketAddresses.MaxLength];
        Connect(address[..SocketAddresses.Write(remote, AddressFamily, address)]);
    }

    public void Connect(string unixPath)
    {
        Span<byte> address = stackalloc byte[SocketAddresses.MaxLength];
        Connect(address[..SocketAddresses.WriteUnix(unixPath, address)]);
    }

    private void Bind(ReadOnlySpan<byte> address)
    {
        using var fd = _handle.Borrow();
        Check(SocketSyscalls.Bind(fd.Fd, address, out int errno), errno);
    }

    private void Connect(ReadOnlySpan<byte> address)
    {
        using var fd = _handle.Borrow();
        Check(SocketSyscalls.Connect(fd.Fd, address, out int errno), errno);
    }

    public void Listen(int backlog)
    {
        using var fd = _handle.Borrow();
        Check(SocketSyscalls.Listen(fd.Fd, backlog, out int errno), errno);
    }

    /// <summary>Waits for a connection; a <see cref="Shutdown"/> of the listener from another thread ends the wait (EINVAL).</summary>
    public PosixSocket Accept()
    {
        using var fd = _handle.Borrow();
        int client = SocketSyscalls.Accept(fd.Fd, out int errno);
        return client < 0 ? throw SocketErrors.Exception(errno) : new PosixSocket(new SocketHandle(client), AddressFamily);
    }

    /// <summary>setsockopt(2) with the option's bytes as they are.</summary>
    public void SetRawSocketOption(int level, int name, ReadOnlySpan<byte> value)
    {
        using var fd = _handle.Borrow();
        Check(SocketSyscalls.SetOption(fd.Fd, level, name, value, out int errno), errno);
    }

    /// <summary>An option's raw value (getsockopt) into <paramref name="value"/>; the bytes the kernel wrote.</summary>
    public int GetRawSocketOption(int level, int name, Span<byte> value)
    {
        using var fd = _handle.Borrow();
        int length = SocketSyscalls.GetOption(fd.Fd, level, name, value, out int errno);
        return length < 0 ? throw SocketErrors.Exception(errno) : length;
    }

    private void SetOption(int level, int name, int value) => SetRawSocketOption(level, name, BitConverter.GetBytes(value));

    public void SendTo(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        Span<byte> address = stackalloc byte[SocketAddresses.MaxLength];
        int length = SocketAddresses.Write(to, AddressFamily, address);
        using var fd = _handle.Borrow();
        if (SocketSyscalls.SendTo(fd.Fd, datagram, address[..length], out int errno) < 0)
        {
            throw SocketErrors.Exception(errno);
        }
    }

    /// <summary>Sends on a connected socket; the bytes the kernel took.</summary>
    public int Send(ReadOnlySpan<byte> data)
    {
        using var fd = _handle.Borrow();
        long n = SocketSyscalls.SendTo(fd.Fd, data, default, out int errno);
        return n < 0 ? throw SocketErrors.Exception(errno) : (int)n;
    }

    /// <summary>Receives on a connected socket; 0 at the end of input or after a shutdown.</summary>
    public int Receive(Span<byte> buffer)
    {
        using var fd = _handle.Borrow();
        long n = SocketSyscalls.Receive(fd.Fd, buffer, out int errno);
        return n < 0 ? throw SocketErrors.Exception(errno) : (int)n;
    }

    /// <summary>
    /// Shuts the socket down when <paramref name="token"/> is cancelled, which wakes a call blocked on it: the
    /// cancellable <see cref="Receive(Span{byte}, CancellationToken)"/> and <see cref="SendAll"/> then throw
    /// <see cref="OperationCanceledException"/>. Dispose the registration when the calls are done.
    /// </summary>
    public CancellationTokenRegistration ShutDownOn(CancellationToken token) => token.Register(ShutDownQuietly, this);

    /// <summary><see cref="Receive(Span{byte})"/> under <see cref="ShutDownOn"/>'s token.</summary>
    public int Receive(Span<byte> buffer, CancellationToken token)
    {
        int read;
        try
        {
            read = Receive(buffer);
        }
        catch (SocketException) when (token.IsCancellationRequested)
        {
            throw new OperationCanceledException(token);
        }
        token.ThrowIfCancellationRequested();
        return read;
    }

    /// <summary>Sends all of <paramref name="data"/> on a connected socket, under <see cref="ShutDownOn"/>'s token.</summary>
    public void SendAll(ReadOnlySpan<byte> data, CancellationToken token)
    {
        while (!data.IsEmpty)
        {
            int sent;
            try
            {
                sent = Send(data);
            }
            catch (SocketException) when (token.IsCancellationRequested)
            {
                throw new OperationCanceledException(token);
            }
            data = data[sent..];
        }
    }

    private static void ShutDownQuietly(object? socket)
    {
        try
        {
            ((PosixSocket)socket!).Shutdown(receive: true, send: true);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>shutdown(2): <paramref name="receive"/> and/or <paramref name="send"/>. Wakes calls blocked on the socket.</summary>
    public void Shutdown(bool receive, bool send)
    {
        using var fd = _handle.Borrow();
        int how = receive && send ? SocketSyscalls.ShutBoth : receive ? SocketSyscalls.ShutRead : SocketSyscalls.ShutWrite;
        Check(SocketSyscalls.Shutdown(fd.Fd, how, out int errno), errno);
    }

    /// <summary>Shuts the socket down (waking calls blocked on it) and closes it once no call holds it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            using var fd = _handle.Borrow();
            SocketSyscalls.Shutdown(fd.Fd, SocketSyscalls.ShutBoth, out _);
        }
        catch (ObjectDisposedException)
        {
        }
        _handle.Dispose();
    }

    private static void Check(int rc, int errno)
    {
        if (rc < 0)
        {
            throw SocketErrors.Exception(errno);
        }
    }
}
