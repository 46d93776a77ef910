using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Mpsa.Sockets;

/// <summary>
/// Datagrams for one UDP socket gathered into native memory and sent with one sendmmsg(2) per batch: a controller's
/// rekey sends one MPSA_PUT to every member at once, and each sendto is a kernel entry. Not thread-safe: one per
/// sending thread and socket.
/// </summary>
internal sealed unsafe class DatagramBatch : IDisposable
{
    public const int MaxDatagrams = 256;
    public const int MaxBytes = 256 * 1024;
    private const int AddressSlot = 32;   // a sockaddr_in6 (28 bytes), aligned

    private readonly AddressFamily _family;
    private readonly byte* _data;
    private readonly byte* _addresses;
    private readonly iovec* _iovecs;
    private readonly mmsghdr* _headers;
    private readonly IPEndPoint[] _to = new IPEndPoint[MaxDatagrams];
    private int _bytes;

    public DatagramBatch(AddressFamily family)
    {
        _family = family;
        _data = (byte*)NativeMemory.Alloc(MaxBytes);
        _addresses = (byte*)NativeMemory.Alloc(MaxDatagrams * AddressSlot);
        _iovecs = (iovec*)NativeMemory.Alloc((nuint)(MaxDatagrams * sizeof(iovec)));
        _headers = (mmsghdr*)NativeMemory.AllocZeroed((nuint)(MaxDatagrams * sizeof(mmsghdr)));
    }

    /// <summary>Datagrams added and not yet sent.</summary>
    public int Count { get; private set; }

    /// <summary>The destination of datagram <paramref name="index"/>.</summary>
    public IPEndPoint To(int index) => _to[index];

    /// <summary>The length of datagram <paramref name="index"/>.</summary>
    public int Length(int index) => (int)(ulong)_iovecs[index].iov_len;

    /// <summary>Adds <paramref name="prefix"/> and <paramref name="datagram"/> as one datagram to <paramref name="to"/>; false when full.</summary>
    public bool TryAdd(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        int length = prefix.Length + datagram.Length;
        if (Count == MaxDatagrams || MaxBytes - _bytes < length)
        {
            return false;
        }
        var into = new Span<byte>(_data + _bytes, length);
        prefix.CopyTo(into);
        datagram.CopyTo(into[prefix.Length..]);
        byte* address = _addresses + (Count * AddressSlot);
        int addressLength = SocketAddresses.Write(to, _family, new Span<byte>(address, AddressSlot));
        _iovecs[Count] = new iovec { iov_base = _data + _bytes, iov_len = (size_t)(ulong)length };
        _headers[Count].msg_hdr = new msghdr
        {
            msg_name = address,
            msg_namelen = (socklen_t)(uint)addressLength,
            msg_iov = _iovecs + Count,
            msg_iovlen = 1,
        };
        _to[Count] = to;
        _bytes += length;
        Count++;
        return true;
    }

    /// <summary>
    /// Sends datagrams <paramref name="first"/>.. on <paramref name="socket"/> in one call: how many went, or -1 with the
    /// errno of datagram <paramref name="first"/> when that one was refused (the caller skips it and goes on).
    /// </summary>
    public int SendFrom(PosixSocket socket, int first, out int errno)
    {
        using var fd = socket.Handle.Borrow();
        int sent;
        do
        {
            sent = sendmmsg(fd.Fd, _headers + first, (uint)(Count - first), MsgNoSignal);
            errno = sent < 0 ? Marshal.GetLastSystemError() : 0;
        }
        while (sent < 0 && errno == LibC.EINTR);
        return sent;
    }

    public void Clear()
    {
        Array.Clear(_to, 0, Count);
        Count = 0;
        _bytes = 0;
    }

    public void Dispose()
    {
        NativeMemory.Free(_data);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_headers);
    }

    private const int MsgNoSignal = 0x4000;

    [DllImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static extern int sendmmsg(int fd, mmsghdr* messages, uint count, int flags);
}
