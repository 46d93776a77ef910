using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Mpsa.Sockets;

/// <summary>
/// Slots for datagrams received by one recvmmsg(2): a busy controller finds several waiting at each turn of its loop,
/// and each recvfrom is a kernel entry. Every slot holds the largest UDP payload, so nothing is ever cut; the slots
/// are one native block that is not zeroed, and a page the kernel never writes takes no memory. Native, not a pinned
/// array: a megabyte on the pinned heap used up a third of its budget, and a start's connect storm then met a blocking
/// gen-2 collection sooner. Not thread-safe: one per receiving thread and socket.
/// </summary>
internal sealed unsafe class DatagramReceiveBatch : IDisposable
{
    /// <summary>Larger than any UDP payload (65507 bytes over IPv4, 65527 over IPv6).</summary>
    public const int SlotLength = 64 * 1024;
    private const int AddressSlot = 32;   // a sockaddr_in6 (28 bytes), aligned

    private readonly NativeBlock _data;
    private readonly byte* _addresses;
    private readonly iovec* _iovecs;
    private readonly mmsghdr* _headers;

    public DatagramReceiveBatch(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = slots;
        _data = new NativeBlock(slots * SlotLength);
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(slots * AddressSlot));
        _iovecs = (iovec*)NativeMemory.Alloc((nuint)(slots * sizeof(iovec)));
        _headers = (mmsghdr*)NativeMemory.AllocZeroed((nuint)(slots * sizeof(mmsghdr)));
        byte* data = _data.Pointer;
        for (int i = 0; i < slots; i++)
        {
            _iovecs[i] = new iovec { iov_base = data + ((long)i * SlotLength), iov_len = SlotLength };
            _headers[i].msg_hdr = new msghdr { msg_name = _addresses + (i * AddressSlot), msg_iov = _iovecs + i, msg_iovlen = 1 };
        }
    }

    public int Slots { get; }

    /// <summary>
    /// Receives what waits on <paramref name="socket"/>, without blocking, into slots 0.. (at most <paramref name="max"/>):
    /// how many, 0 when nothing waits, or -1 with <paramref name="errno"/> (an error the socket reported).
    /// </summary>
    public int ReceiveFrom(PosixSocket socket, int max, out int errno)
    {
        int count = Math.Min(max, Slots);
        for (int i = 0; i < count; i++)
        {
            Header(i)->msg_namelen = AddressSlot;
        }
        using var fd = socket.Handle.Borrow();
        int received;
        do
        {
            received = recvmmsg(fd.Fd, _headers, (uint)count, MsgDontWait, null);
            errno = received < 0 ? Marshal.GetLastSystemError() : 0;
        }
        while (received < 0 && errno == LibC.EINTR);
        if (received < 0 && errno == LibC.EAGAIN)
        {
            errno = 0;
            return 0;
        }
        return received;
    }

    /// <summary>Datagram <paramref name="index"/> of the last receive; valid until the next.</summary>
    public Memory<byte> Datagram(int index) => _data.Memory.Slice(index * SlotLength, (int)_headers[index].msg_len);

    /// <summary>The sender's socket address of datagram <paramref name="index"/>, into <paramref name="into"/>; its length.</summary>
    public int Sender(int index, Span<byte> into)
    {
        int length = Math.Min((int)(uint)Header(index)->msg_namelen, Math.Min(AddressSlot, into.Length));
        new ReadOnlySpan<byte>(_addresses + (index * AddressSlot), length).CopyTo(into);
        return length;
    }

    private msghdr* Header(int index) => (msghdr*)(_headers + index);   // struct mmsghdr begins with its msghdr

    public void Dispose()
    {
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_headers);
        ((IDisposable)_data).Dispose();
    }

    private const int MsgDontWait = 0x40;

    [DllImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static extern int recvmmsg(int fd, mmsghdr* messages, uint count, int flags, timespec* timeout);
}
