using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mpsa.Netlink.Core;

/// <summary>
/// The socket calls a netlink socket needs, through Tmds.LibC. The only unsafe code of the project: spans are pinned for
/// the call, the fd is borrowed between DangerousAddRef and DangerousRelease, and errno is read right after the call.
/// Each returns the call's result, and on -1 sets <paramref name="errno"/>.
/// </summary>
internal static unsafe class NetlinkSyscalls
{
    public static int Socket(NetlinkProtocol protocol, out int errno)
    {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, (int)protocol);
        errno = fd < 0 ? LibC.errno : 0;
        return fd;
    }

    public static int Bind(SafeHandle socket, uint groups, out int errno)
    {
        var address = new sockaddr_nl { nl_family = (ushort)AF_NETLINK, nl_groups = groups };
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int rc = bind(socket.DangerousGetHandle().ToInt32(), (sockaddr*)&address, (uint)sizeof(sockaddr_nl));
            errno = rc < 0 ? LibC.errno : 0;
            return rc;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>The port id the kernel assigned at bind (sockaddr_nl.nl_pid from getsockname), or 0.</summary>
    public static uint PortId(SafeHandle socket)
    {
        var address = default(sockaddr_nl);
        socklen_t length = (uint)sizeof(sockaddr_nl);
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            return getsockname(socket.DangerousGetHandle().ToInt32(), (sockaddr*)&address, &length) == 0 ? address.nl_pid : 0;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    public static int SetOption(SafeHandle socket, int level, int name, int value, out int errno)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int rc = setsockopt(socket.DangerousGetHandle().ToInt32(), level, name, &value, (uint)sizeof(int));
            errno = rc < 0 ? LibC.errno : 0;
            return rc;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    public static long Send(SafeHandle socket, ReadOnlySpan<byte> message, out int errno)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            fixed (byte* p = message)
            {
                long n;
                do
                {
                    n = send(socket.DangerousGetHandle().ToInt32(), p, message.Length, 0);
                    errno = n < 0 ? LibC.errno : 0;
                }
                while (n < 0 && errno == EINTR);
                return n;
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>recv(2) with <paramref name="flags"/> (MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT); with MSG_TRUNC the result is the datagram's real length.</summary>
    public static long Receive(SafeHandle socket, Span<byte> buffer, int flags, out int errno)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            fixed (byte* p = buffer)
            {
                long n;
                do
                {
                    n = recv(socket.DangerousGetHandle().ToInt32(), p, buffer.Length, flags);
                    errno = n < 0 ? LibC.errno : 0;
                }
                while (n < 0 && errno == EINTR);
                return n;
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for the socket to be readable: 1 readable, 0 timeout, -1 error.</summary>
    public static int PollIn(SafeHandle socket, int timeoutMilliseconds, out int errno)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            var fds = new pollfd { fd = socket.DangerousGetHandle().ToInt32(), events = POLLIN };
            int rc = poll(&fds, 1, timeoutMilliseconds);
            errno = rc < 0 ? LibC.errno : 0;
            return rc < 0 && errno == EINTR ? 0 : rc;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>Waits (<paramref name="timeoutMilliseconds"/>, -1: without end) for the socket to be readable or for
    /// <paramref name="wakeFd"/> (<see cref="NewWakeFd"/>) to be written: 1 readable, 0 timeout or woken, -1 error.</summary>
    public static int PollIn(SafeHandle socket, int wakeFd, int timeoutMilliseconds, out int errno)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            var fds = stackalloc pollfd[2];
            fds[0] = new pollfd { fd = socket.DangerousGetHandle().ToInt32(), events = POLLIN };
            fds[1] = new pollfd { fd = wakeFd, events = POLLIN };
            int rc = poll(fds, 2, timeoutMilliseconds);
            errno = rc < 0 ? LibC.errno : 0;
            if (rc < 0)
            {
                return errno == EINTR ? 0 : rc;
            }
            return (fds[0].revents & POLLIN) != 0 ? 1 : 0;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>An eventfd that ends a <see cref="PollIn(SafeHandle, int, int, out int)"/> when written; -1 when refused.</summary>
    public static int NewWakeFd() => eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    public static void Wake(int wakeFd)
    {
        ulong one = 1;
        _ = write(wakeFd, &one, sizeof(ulong));
    }

    public static void CloseFd(int fd) => _ = close(fd);

    public static int MsgPeek => MSG_PEEK;

    public static int MsgTrunc => MSG_TRUNC;

    public static int MsgDontWait => MSG_DONTWAIT;

    public static int SolSocket => SOL_SOCKET;

    public static int SoRcvBuf => SO_RCVBUF;

    /// <summary>SO_RCVBUFFORCE: past net.core.rmem_max, for CAP_NET_ADMIN (the agent runs as root).</summary>
    public static int SoRcvBufForce => SO_RCVBUFFORCE;
}
