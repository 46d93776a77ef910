using System.Runtime.InteropServices;
using System.Security.Cryptography;

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
    private byte[] _batch = GC.AllocateArray<byte>(1024, pinned: true);   // RequestAll's datagram, zeroed once sent
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

    /// <summary>
    /// Sends <paramref name="requests"/> (each with NLM_F_REQUEST|NLM_F_ACK) in one datagram: the kernel carries them out
    /// in order, each whether or not one before it was refused. Only the last goes out asking for an ACK; the others are
    /// answered only when refused. One outcome per request, null for done. When the socket itself fails (the send, or the
    /// wait for the last answer), that failure is the outcome of every request not refused by then.
    /// </summary>
    public NetlinkError?[] RequestAll(ReadOnlySpan<NetlinkMessageBuilder> requests, string operation)
    {
        var outcomes = new NetlinkError?[requests.Length];
        int total = 0;
        for (int i = 0; i < requests.Length; i++)
        {
            if ((requests[i].Flags & (NlmFlags.NLM_F_REQUEST | NlmFlags.NLM_F_ACK)) != (NlmFlags.NLM_F_REQUEST | NlmFlags.NLM_F_ACK))
            {
                throw new ArgumentException("a request carries NLM_F_REQUEST and NLM_F_ACK", nameof(requests));
            }
            total += requests[i].Length;
        }
        if (requests.Length == 0)
        {
            return outcomes;
        }
        lock (_lock)
        {
            if (_batch.Length < total)
            {
                _batch = GC.AllocateArray<byte>(Math.Max(total, _batch.Length * 2), pinned: true);
            }
            uint first = unchecked(_sequence + 1);
            int offset = 0;
            for (int i = 0; i < requests.Length; i++)
            {
                var bytes = requests[i].Finish(unchecked(++_sequence), PortId);
                bytes.CopyTo(_batch.AsSpan(offset));
                requests[i].Wipe();
                if (i < requests.Length - 1)
                {
                    var header = MemoryMarshal.Read<nlmsghdr>(_batch.AsSpan(offset));
                    header.nlmsg_flags &= unchecked((ushort)~(ushort)NlmFlags.NLM_F_ACK);
                    MemoryMarshal.Write(_batch.AsSpan(offset), in header);
                }
                offset += bytes.Length;
            }
            long sent = NetlinkSyscalls.Send(_handle, _batch.AsSpan(0, total), out int errno);
            CryptographicOperations.ZeroMemory(_batch.AsSpan(0, total));
            bool answered = false;
            var failure = sent < 0 ? new NetlinkError(operation, errno) : Await(first, _sequence, operation, null, true, outcomes, out answered);
            if (!answered)
            {
                for (int i = 0; i < outcomes.Length; i++)
                {
                    outcomes[i] ??= failure;
                }
            }
            else
            {
                outcomes[^1] = failure;   // the last request's own answer
            }
            return outcomes;
        }
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
            return sent < 0 ? new NetlinkError(operation, errno) : Await(sequence, sequence, operation, onReply, answerFits, null, out _);
        }
    }

    /// <summary>
    /// Reads until the answer to request <paramref name="last"/>, and returns it (null: done). Refusals of the requests
    /// from <paramref name="first"/> before it go to <paramref name="earlier"/>. <paramref name="answered"/> is false
    /// when the socket failed instead, and that failure is returned.
    /// </summary>
    private NetlinkError? Await(uint first, uint last, string operation, NetlinkMessageHandler? onReply, bool answerFits,
        NetlinkError?[]? earlier, out bool answered)
    {
        answered = false;
        long deadline = Environment.TickCount64 + TimeoutMilliseconds;
        while (true)
        {
            // The kernel mostly answers within the send: read first, and wait only for an answer not there yet.
            int length = ReceiveDatagram(NetlinkSyscalls.MsgDontWait, peekFirst: !answerFits, out int errno);
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
                if (Handle(_receive.AsSpan(0, length), first, last, operation, onReply, earlier, out var outcome))
                {
                    answered = true;
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

    /// <summary>True when request <paramref name="last"/> is answered, with its outcome (null = success).</summary>
    private static bool Handle(ReadOnlySpan<byte> datagram, uint first, uint last, string operation, NetlinkMessageHandler? onReply,
        NetlinkError?[]? earlier, out NetlinkError? outcome)
    {
        outcome = null;
        foreach (var message in new NetlinkMessageReader(datagram))
        {
            if (message.Sequence != last)
            {
                uint index = unchecked(message.Sequence - first);
                if (earlier is not null && index < unchecked(last - first) && message.Type == NlmsgType.NLMSG_ERROR
                    && NetlinkErrorMessage.Read(message) is (not 0, var extAck) refused)
                {
                    earlier[index] = new NetlinkError(operation, refused.Errno, extAck);
                }
                continue; // else a late answer to an earlier request that timed out
            }
            switch (message.Type)
            {
                case NlmsgType.NLMSG_ERROR:
                    var (errno, extAck) = NetlinkErrorMessage.Read(message);
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
