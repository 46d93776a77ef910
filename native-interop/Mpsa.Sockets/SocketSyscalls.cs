using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mpsa.Sockets;

/// <summary>
/// The socket calls of <see cref="PosixSocket"/>, through Tmds.LibC: the only unsafe code of this project. Each takes a
/// file descriptor its caller holds open (<see cref="SocketHandle.Borrow"/>), pins the spans for the call, and returns
/// the call's result; on -1 it sets <paramref name="errno"/>, read right after the call. Calls a signal interrupts
/// (EINTR) are made again, but connect, whose retry would report EALREADY.
/// </summary>
internal static unsafe class SocketSyscalls
{
    public static int Open(int family, int type, int protocol, out int errno)
    {
        int fd = socket(family, type | SOCK_CLOEXEC, protocol);
        errno = fd < 0 ? LibC.errno : 0;
        return fd;
    }

    public static int Bind(int fd, ReadOnlySpan<byte> address, out int errno)
    {
        fixed (byte* a = address)
        {
            int rc = bind(fd, (sockaddr*)a, (uint)address.Length);
            errno = rc < 0 ? LibC.errno : 0;
            return rc;
        }
    }

    public static int Connect(int fd, ReadOnlySpan<byte> address, out int errno)
    {
        fixed (byte* a = address)
        {
            int rc = connect(fd, (sockaddr*)a, (uint)address.Length);
            errno = rc < 0 ? LibC.errno : 0;
            return rc;
        }
    }

    public static int Listen(int fd, int backlog, out int errno)
    {
        int rc = listen(fd, backlog);
        errno = rc < 0 ? LibC.errno : 0;
        return rc;
    }

    public static int Accept(int fd, out int errno)
    {
        int client;
        do
        {
            client = accept4(fd, null, null, SOCK_CLOEXEC);
            errno = client < 0 ? LibC.errno : 0;
        }
        while (client < 0 && errno == EINTR);
        return client;
    }

    public static int SetOption(int fd, int level, int name, ReadOnlySpan<byte> value, out int errno)
    {
        fixed (byte* v = value)
        {
            int rc = setsockopt(fd, level, name, v, (uint)value.Length);
            errno = rc < 0 ? LibC.errno : 0;
            return rc;
        }
    }

    public static int GetOption(int fd, int level, int name, out int value, out int errno)
    {
        int result = 0;
        socklen_t length = sizeof(int);
        int rc = getsockopt(fd, level, name, &result, &length);
        errno = rc < 0 ? LibC.errno : 0;
        value = result;
        return rc;
    }

    /// <summary>getsockopt(2) into <paramref name="value"/>; the option's length, or -1.</summary>
    public static int GetOption(int fd, int level, int name, Span<byte> value, out int errno)
    {
        fixed (byte* v = value)
        {
            socklen_t length = (uint)value.Length;
            int rc = getsockopt(fd, level, name, v, &length);
            errno = rc < 0 ? LibC.errno : 0;
            return rc < 0 ? -1 : (int)(uint)length;
        }
    }

    /// <summary>getsockname(2) into <paramref name="address"/>; the address's length, or -1.</summary>
    public static int LocalAddress(int fd, Span<byte> address, out int errno)
    {
        fixed (byte* a = address)
        {
            socklen_t length = (uint)address.Length;
            int rc = getsockname(fd, (sockaddr*)a, &length);
            errno = rc < 0 ? LibC.errno : 0;
            return rc < 0 ? -1 : (int)(uint)length;
        }
    }

    /// <summary>sendto(2), or send(2) when <paramref name="address"/> is empty; never raises SIGPIPE.</summary>
    public static long SendTo(int fd, ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> address, out int errno)
    {
        fixed (byte* b = buffer)
        fixed (byte* a = address)
        {
            long n;
            do
            {
                n = sendto(fd, b, buffer.Length, MSG_NOSIGNAL, address.IsEmpty ? null : (sockaddr*)a, (uint)address.Length);
                errno = n < 0 ? LibC.errno : 0;
            }
            while (n < 0 && errno == EINTR);
            return n;
        }
    }

    public static long Receive(int fd, Span<byte> buffer, out int errno)
    {
        fixed (byte* b = buffer)
        {
            long n;
            do
            {
                n = recv(fd, b, buffer.Length, 0);
                errno = n < 0 ? LibC.errno : 0;
            }
            while (n < 0 && errno == EINTR);
            return n;
        }
    }

    /// <summary>
    /// poll(2) for input on <paramref name="fds"/> (POLLIN), at most <paramref name="milliseconds"/> (-1: no limit); each
    /// entry of <paramref name="ready"/> tells whether its descriptor has input (or an error or hang-up to read).
    /// </summary>
    public static int PollInput(ReadOnlySpan<int> fds, Span<bool> ready, int milliseconds, out int errno)
    {
        pollfd* set = stackalloc pollfd[fds.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            set[i] = new pollfd { fd = fds[i], events = POLLIN };
        }
        int rc;
        do
        {
            rc = poll(set, (ulong_t)(ulong)fds.Length, milliseconds);
            errno = rc < 0 ? LibC.errno : 0;
        }
        while (rc < 0 && errno == EINTR && milliseconds == 0);
        for (int i = 0; i < fds.Length; i++)
        {
            ready[i] = rc > 0 && set[i].revents != 0;
        }
        return rc;
    }

    /// <summary>eventfd(2), non-blocking: a counter another thread raises to wake a poll.</summary>
    public static int EventFd(out int errno)
    {
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        errno = fd < 0 ? LibC.errno : 0;
        return fd;
    }

    /// <summary>Adds one to an eventfd's counter (it becomes readable).</summary>
    public static void RaiseEventFd(int fd)
    {
        ulong one = 1;
        write(fd, &one, sizeof(ulong));
    }

    /// <summary>Reads an eventfd's counter back to zero.</summary>
    public static void ClearEventFd(int fd)
    {
        ulong value;
        read(fd, &value, sizeof(ulong));
    }

    public static int Shutdown(int fd, int how, out int errno)
    {
        int rc = shutdown(fd, how);
        errno = rc < 0 ? LibC.errno : 0;
        return rc;
    }

    public static int Close(int fd) => close(fd);

    public static int ShutRead => SHUT_RD;

    public static int ShutWrite => SHUT_WR;

    public static int ShutBoth => SHUT_RDWR;

    public static int WouldBlock => EAGAIN;

    public static int Datagram => SOCK_DGRAM;

    public static int Stream => SOCK_STREAM;
}
