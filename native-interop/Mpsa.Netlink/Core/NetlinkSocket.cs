using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Mpsa.Netlink.Core;

/// <summary>
/// One netlink socket (SafeHandle-owned fd), opened for a protocol and optionally bound to multicast groups.
/// <see cref="Request"/> sends one request with a fresh nlmsg_seq and NLM_F_ACK and waits for its ACK or error;
/// <see cref="Dump"/> sends an NLM_F_DUMP request and collects the multi-part reply up to NLMSG_DONE. A request's answer
/// (an ACK, an error, one object) is read at once into a buffer that holds any of them; a dump's or an event's datagram
/// has its size peeked with MSG_PEEK|MSG_TRUNC first, so nothing is cut. Requests on one socket are serialised.
/// Kernel refusals come back as a <see cref="NetlinkError"/>, never as exceptions. No buffer keeps what it carried: a
/// request is zeroed once sent (a NEWSA holds keys), a received datagram once handled (GETSA answers hold keys too).
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    private const int SOL_NETLINK = 270;
    private const int NETLINK_CAP_ACK = 10;
    private const int NETLINK_EXT_ACK = 11;

    private readonly NetlinkSafeHandle _handle;
    private readonly Lock _lock = new();
    private byte[] _receive;
    private uint _sequence;
    private int _truncatedFrom;   // the buffer's length when an answer did not fit (for the error's text)

    /// <summary>The receive buffer's first size: more than any request's answer (with NETLINK_CAP_ACK, an error does not
    /// carry the request back).</summary>
    internal const int ReceiveBufferLength = 16384;

    private NetlinkSocket(NetlinkSafeHandle handle, NetlinkProtocol protocol, uint groups, int receiveBufferLength)
    {
        _handle = handle;
        _receive = GC.AllocateArray<byte>(receiveBufferLength, pinned: true);
        Protocol = protocol;
        Groups = groups;
        PortId = NetlinkSyscalls.PortId(handle);
        _sequence = (uint)Environment.TickCount;
    }

    public NetlinkProtocol Protocol { get; }

    /// <summary>The multicast groups bound (bit n-1 for group n).</summary>
    public uint Groups { get; }

    /// <summary>The port id the kernel assigned (nl_pid).</summary>
    public uint PortId { get; }

    /// <summary>The receive buffer, for tests: zero between calls.</summary>
    internal ReadOnlySpan<byte> ReceiveBuffer => _receive;

    /// <summary>How long <see cref="Request"/> and <see cref="Dump"/> wait for the kernel before giving up with ETIMEDOUT.</summary>
    public int TimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>Opens and binds a socket; throws <see cref="NetlinkException"/> when the kernel refuses (no such protocol, no permission).</summary>
    /// <param name="groups">Multicast group mask to receive, 0 for a request socket.</param>
    /// <param name="receiveBufferBytes">SO_RCVBUF, 0 to keep the default (raise it for event sockets so bursts are not dropped).</param>
    public static NetlinkSocket Open(NetlinkProtocol protocol, uint groups = 0, int receiveBufferBytes = 0) =>
        Open(protocol, groups, receiveBufferBytes, ReceiveBufferLength);

    /// <param name="receiveBufferLength">The buffer datagrams are read into (tests: one too small for an answer).</param>
    internal static NetlinkSocket Open(NetlinkProtocol protocol, uint groups, int receiveBufferBytes, int receiveBufferLength)
    {
        string operation = $"open netlink socket {protocol}";
        int fd = NetlinkSyscalls.Socket(protocol, out int errno);
        if (fd < 0)
        {
            throw new NetlinkException(new NetlinkError(operation, errno));
        }
        var handle = new NetlinkSafeHandle(fd);
        if (NetlinkSyscalls.Bind(handle, groups, out errno) < 0)
        {
            handle.Dispose();
            throw new NetlinkException(new NetlinkError($"bind netlink socket {protocol} groups 0x{groups:x}", errno));
        }
        // Best effort: the kernel's error text in acks, and acks without a copy of the request.
        NetlinkSyscalls.SetOption(handle, SOL_NETLINK, NETLINK_EXT_ACK, 1, out _);
        NetlinkSyscalls.SetOption(handle, SOL_NETLINK, NETLINK_CAP_ACK, 1, out _);
        if (receiveBufferBytes > 0
            && NetlinkSyscalls.SetOption(handle, NetlinkSyscalls.SolSocket, NetlinkSyscalls.SoRcvBufForce, receiveBufferBytes, out _) < 0)
        {
            NetlinkSyscalls.SetOption(handle, NetlinkSyscalls.SolSocket, NetlinkSyscalls.SoRcvBuf, receiveBufferBytes, out _);
        }
        return new NetlinkSocket(handle, protocol, groups, receiveBufferLength);
    }

    /// <summary>
    /// Sends <paramref name="request"/> with NLM_F_REQUEST|NLM_F_ACK and a fresh sequence number and waits for the ACK.
    /// Replies before the ACK (ALLOCSPI's new state, GETSA's state) go to <paramref name="onReply"/>. Null on success.
    /// </summary>
    public NetlinkError? Request(NetlinkMessageBuilder request, string operation, NetlinkMessageHandler? onReply = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if ((request.Flags & (NlmFlags.NLM_F_REQUEST | NlmFlags.NLM_F_ACK)) != (NlmFlags.NLM_F_REQUEST | NlmFlags.NLM_F_ACK))
        {
            throw new ArgumentException("a request carries NLM_F_REQUEST and NLM_F_ACK", nameof(request));
        }
        return Exchange(request, operation, onReply, answerFits: true);
    }

    /// <summary>Sends an NLM_F_DUMP request and passes each part to <paramref name="onEach"/> until NLMSG_DONE. Null on success.</summary>
    public NetlinkError? Dump(NetlinkMessageBuilder request, string operation, NetlinkMessageHandler onEach)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onEach);
        if ((request.Flags & NlmFlags.NLM_F_DUMP) != NlmFlags.NLM_F_DUMP)
        {
            throw new ArgumentException("a dump request carries NLM_F_DUMP", nameof(request));
        }
        return Exchange(request, operation, onEach, answerFits: false);
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for one datagram (multicast events) and passes its messages to
    /// <paramref name="onEach"/>. Null when a datagram was handled or the time ran out; an error otherwise (ENOBUFS:
    /// the kernel dropped messages because the receive buffer was full).
    /// </summary>
    public NetlinkError? ReceiveOnce(int timeoutMilliseconds, NetlinkMessageHandler onEach, int wakeFd = -1)
    {
        ArgumentNullException.ThrowIfNull(onEach);
        lock (_lock)
        {
            int ready = wakeFd < 0 ? NetlinkSyscalls.PollIn(_handle, timeoutMilliseconds, out int errno)
                : NetlinkSyscalls.PollIn(_handle, wakeFd, timeoutMilliseconds, out errno);
            if (ready < 0)
            {
                return new NetlinkError("poll", errno);
            }
            if (ready == 0)
            {
                return null;
            }
            int length = ReceiveDatagram(0, peekFirst: true, out errno);
            if (length < 0)
            {
                return new NetlinkError("receive", errno);
            }
            try
            {
                foreach (var message in new NetlinkMessageReader(_receive.AsSpan(0, length)))
                {
                    onEach(message);
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(_receive.AsSpan(0, length));
            }
            return null;
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>The errno of an NLMSG_ERROR payload (0 for an ACK) and the extended-ack message when present.</summary>
    public static (int Errno, string? ExtAck) ParseError(NetlinkMessage message)
    {
        if (message.Payload.Length < sizeof(int))
        {
            throw new NetlinkParseException($"NLMSG_ERROR of {message.Payload.Length} bytes, shorter than its error code");
        }
        int error = MemoryMarshal.Read<int>(message.Payload);
        string? extAck = null;
        if ((message.Flags & NlmFlags.NLM_F_ACK_TLVS) != 0 && message.Payload.Length >= nlmsgerr.Size)
        {
            var echoed = MemoryMarshal.Read<nlmsgerr>(message.Payload).msg;
            int offset = nlmsgerr.Size;
            if ((message.Flags & NlmFlags.NLM_F_CAPPED) == 0 && echoed.nlmsg_len > nlmsghdr.Size)
            {
                offset += NetlinkMessageBuilder.Align((int)echoed.nlmsg_len - nlmsghdr.Size);
            }
            if (offset < message.Payload.Length)
            {
                foreach (var tlv in new NetlinkAttributeReader(message.Payload[offset..]))
                {
                    if (tlv.Type == NlmsgType.NLMSGERR_ATTR_MSG)
                    {
                        extAck = Encoding.UTF8.GetString(tlv.Value.TrimEnd((byte)0));
                    }
                }
            }
        }
        return (-error, extAck);
    }

    /// <param name="answerFits">A request's answer, which the buffer holds: read without peeking at its size first.</param>
    private NetlinkError? Exchange(NetlinkMessageBuilder request, string operation, NetlinkMessageHandler? onReply, bool answerFits)
    {
        lock (_lock)
        {
            uint sequence = unchecked(++_sequence);
            var bytes = request.Finish(sequence, PortId);
            long sent = NetlinkSyscalls.Send(_handle, bytes, out int errno);
            // The kernel has its copy (or refused it): the keys of a NEWSA leave this process's memory now.
            request.Wipe();
            if (sent < 0)
            {
                return new NetlinkError(operation, errno);
            }
            long deadline = Environment.TickCount64 + TimeoutMilliseconds;
            while (true)
            {
                // The kernel mostly answers within the send: read first, and wait only for an answer not there yet.
                int length = ReceiveDatagram(NetlinkSyscalls.MsgDontWait, peekFirst: !answerFits, out errno);
                if (length < 0 && errno == Errno.EAGAIN)
                {
                    int wait = (int)Math.Max(0, deadline - Environment.TickCount64);
                    int ready = NetlinkSyscalls.PollIn(_handle, wait, out errno);
                    if (ready < 0)
                    {
                        return new NetlinkError(operation, errno);
                    }
                    if (ready == 0 && Environment.TickCount64 >= deadline)
                    {
                        return new NetlinkError(operation, Errno.ETIMEDOUT, "no answer from the kernel");
                    }
                    continue;
                }
                if (length < 0)
                {
                    return errno == Errno.EMSGSIZE
                        ? new NetlinkError(operation, errno, $"the kernel's answer did not fit in {_truncatedFrom} bytes (read again into {_receive.Length})")
                        : new NetlinkError(operation, errno);
                }
                try
                {
                    if (Handle(_receive.AsSpan(0, length), sequence, operation, onReply, out var outcome))
                    {
                        return outcome;
                    }
                }
                catch (NetlinkParseException e)
                {
                    return new NetlinkError(operation, Errno.EBADMSG, e.Message);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(_receive.AsSpan(0, length));
                }
            }
        }
    }

    /// <summary>True when the exchange is over, with its outcome (null = success).</summary>
    private static bool Handle(ReadOnlySpan<byte> datagram, uint sequence, string operation, NetlinkMessageHandler? onReply, out NetlinkError? outcome)
    {
        outcome = null;
        foreach (var message in new NetlinkMessageReader(datagram))
        {
            if (message.Sequence != sequence)
            {
                continue; // a late answer to an earlier request that timed out
            }
            switch (message.Type)
            {
                case NlmsgType.NLMSG_ERROR:
                    var (errno, extAck) = ParseError(message);
                    outcome = errno == 0 ? null : new NetlinkError(operation, errno, extAck);
                    return true;
                case NlmsgType.NLMSG_DONE:
                    int status = message.Payload.Length >= sizeof(int) ? MemoryMarshal.Read<int>(message.Payload) : 0;
                    outcome = status < 0 ? new NetlinkError(operation, -status) : null;
                    return true;
                case NlmsgType.NLMSG_NOOP:
                    break;
                case NlmsgType.NLMSG_OVERRUN:
                    outcome = new NetlinkError(operation, Errno.ENOBUFS, "overrun");
                    return true;
                default:
                    if ((message.Flags & NlmFlags.NLM_F_DUMP_INTR) != 0)
                    {
                        outcome = new NetlinkError(operation, Errno.EINTR, "dump interrupted by a concurrent change");
                        return true;
                    }
                    onReply?.Invoke(message);
                    break;
            }
        }
        return false;
    }

    /// <summary>
    /// Reads the next datagram (<paramref name="flags"/>: MSG_DONTWAIT). <paramref name="peekFirst"/>: its length is peeked
    /// first (MSG_PEEK|MSG_TRUNC) and the buffer grown to fit. Otherwise it is read at once: one cut short is lost, and
    /// gives EMSGSIZE after the buffer has grown to its length.
    /// </summary>
    private int ReceiveDatagram(int flags, bool peekFirst, out int errno)
    {
        long length;
        if (peekFirst)
        {
            length = NetlinkSyscalls.Receive(_handle, _receive, NetlinkSyscalls.MsgPeek | NetlinkSyscalls.MsgTrunc | flags, out errno);
            if (length < 0)
            {
                return -1;
            }
            if (length > _receive.Length)
            {
                Grow(length); // the peek copied the datagram's head here
            }
            flags = 0;
        }
        length = NetlinkSyscalls.Receive(_handle, _receive, NetlinkSyscalls.MsgTrunc | flags, out errno);
        if (length > _receive.Length)
        {
            _truncatedFrom = _receive.Length;
            Grow(length);
            errno = Errno.EMSGSIZE;
            return -1;
        }
        if (length < 0)
        {
            CryptographicOperations.ZeroMemory(_receive); // what a peek copied
        }
        return (int)length;
    }

    /// <summary>Wipes the buffer and replaces it by one of at least <paramref name="length"/> bytes.</summary>
    private void Grow(long length)
    {
        CryptographicOperations.ZeroMemory(_receive);
        _receive = GC.AllocateArray<byte>(NetlinkMessageBuilder.Align((int)length), pinned: true);
    }
}
