using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Mpsa.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Hosting;

/// <summary>
/// A UDP socket for IKE on one local address and port (IPv4, IPv6, or both when bound to <c>::</c>).
/// <para>
/// <see cref="ReceiveWaiting"/>, called by the daemon's loop when its <see cref="SocketPoll"/> sees input, receives
/// what waits with one recvmmsg per <c>receiveSlots</c> datagrams (64 KiB slots, <see cref="DatagramReceiveBatch"/>)
/// and calls the handler synchronously with a slice of each, so nothing is allocated per datagram:
/// the handler must copy what it keeps (docs/ARCHITECTURE.md §3), typically <c>datagram.ToArray()</c>. The sender's
/// <see cref="IPEndPoint"/> comes from a cache keyed by the raw socket address (see <see cref="PeerCache"/>),
/// so a known peer costs no allocation either; IPv4 peers of a dual-stack socket are given as IPv4.
/// </para>
/// <para>
/// On a NAT-T socket (port 4500, RFC 3948 §2.2 / RFC 7296 §2.23) IKE messages carry a 4-byte zero
/// non-ESP marker: it is stripped on receive and prepended on send. Datagrams without it (ESP in UDP,
/// which belongs to the kernel, and 1-byte NAT keepalives) are dropped and counted.
/// </para>
/// ICMP errors reported on the socket (ECONNREFUSED for an earlier send and the like) are logged at debug
/// level and skipped. Dispose the endpoint once no loop polls it.
/// </summary>
internal sealed class UdpEndpoint : IDisposable
{
    /// <summary>The IKE port whose datagrams carry the non-ESP marker.</summary>
    public const int NatTraversalPort = 4500;

    public const int NonEspMarkerLength = 4;

    private static ReadOnlySpan<byte> NonEspMarker => [0, 0, 0, 0];

    private const int SolUdp = 17;         // SOL_UDP = IPPROTO_UDP
    private const int UdpEncap = 100;      // UDP_ENCAP, linux/udp.h
    private const int UdpEncapEspInUdp = 2; // UDP_ENCAP_ESPINUDP (RFC 3948)

    private readonly PosixSocket _socket;
    private readonly ILogger _logger;
    private readonly PeerCache _peers;
    private DatagramBatch? _batch;        // Queue's
    private readonly int _receiveSlots;
    private DatagramReceiveBatch? _received;   // ReceiveWaiting's
    private SocketAddress? _senderAddress;

    /// <param name="bind">Local address and port; port 0 picks a free one (see <see cref="LocalEndPoint"/>).</param>
    /// <param name="natTraversal">Use the non-ESP marker; null means "when the port is 4500".</param>
    /// <param name="receiveSlots">Datagrams one kernel entry can receive: more for a busy controller, 1 for the agent.</param>
    public UdpEndpoint(IPEndPoint bind, bool? natTraversal = null, ILogger? logger = null, int receiveSlots = 1)
    {
        _logger = logger ?? NullLogger.Instance;
        _receiveSlots = receiveSlots;
        _socket = PosixSocket.Udp(bind.AddressFamily);
        try
        {
            if (bind.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // Bound to "::" the socket serves IPv4 too (as ::ffff:a.b.c.d); bound to one address, only it.
                _socket.DualMode = bind.Address.Equals(IPAddress.IPv6Any);
            }
            _socket.Bind(bind);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        LocalEndPoint = _socket.LocalEndPoint;
        IsNatTraversal = natTraversal ?? bind.Port == NatTraversalPort;
        _peers = new PeerCache(_socket.AddressFamily);
        _logger.UdpListening(LocalEndPoint, IsNatTraversal ? " (NAT-T, non-ESP marker)" : "");
    }

    /// <summary>The address and port actually bound: the real port when bound to port 0.</summary>
    public IPEndPoint LocalEndPoint { get; }

    public bool IsNatTraversal { get; }

    /// <summary>Datagrams given to the handler.</summary>
    public long Received { get; private set; }

    /// <summary>ICMP errors the socket reported (and the loop survived).</summary>
    public long IcmpErrors { get; private set; }

    /// <summary>Datagrams dropped on a NAT-T socket for lacking the non-ESP marker (ESP, keepalives).</summary>
    public long DroppedWithoutMarker { get; private set; }

    /// <summary>
    /// Asks the kernel to decapsulate ESP in UDP arriving on this socket (Linux <c>UDP_ENCAP_ESPINUDP</c>), so
    /// only IKE (marker) and keepalives reach <see cref="ReceiveWaiting"/>. For the real port-4500 socket of a
    /// daemon that installs NAT-T SAs; false (and a debug log) where the kernel refuses.
    /// </summary>
    public bool EnableKernelEspInUdp()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            _socket.SetRawSocketOption(SolUdp, UdpEncap, BitConverter.GetBytes(UdpEncapEspInUdp));
            return true;
        }
        catch (SocketException e)
        {
            _logger.UdpEncapRefused(LocalEndPoint, e.SocketErrorCode);
            return false;
        }
    }

    /// <summary>
    /// Asks for a receive buffer of <paramref name="bytes"/> (SO_RCVBUFFORCE where the process may exceed
    /// net.core.rmem_max, else SO_RCVBUF, which the kernel caps there). A controller needs room for the burst of
    /// answers a rekey fan-out or a restart storm brings: the default (about 200 KiB) drops them, and each drop costs
    /// a 2 s retransmission. Returns the size the kernel granted (it doubles the request for its bookkeeping).
    /// </summary>
    public int RequestReceiveBuffer(int bytes)
    {
        const int SolSocket = 1, SoRcvBufForce = 33;   // asm-generic/socket.h
        try
        {
            _socket.SetRawSocketOption(SolSocket, SoRcvBufForce, BitConverter.GetBytes(bytes));
        }
        catch (SocketException)
        {
            _socket.ReceiveBufferSize = bytes;
        }
        return _socket.ReceiveBufferSize;
    }

    /// <summary>
    /// Datagrams the kernel dropped for this socket since it was opened, mostly because its receive buffer was full
    /// (SO_MEMINFO's SK_MEMINFO_DROPS); 0 where it cannot be read.
    /// </summary>
    public long KernelDrops
    {
        get
        {
            const int SolSocket = 1, SoMemInfo = 55, MemInfoDrops = 8;   // asm-generic/socket.h, linux/sock_diag.h
            Span<byte> info = stackalloc byte[(MemInfoDrops + 1) * sizeof(uint)];
            try
            {
                return _socket.GetRawSocketOption(SolSocket, SoMemInfo, info) >= info.Length
                    ? BitConverter.ToUInt32(info[(MemInfoDrops * sizeof(uint))..]) : 0;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    /// <summary>
    /// Exempts this socket's own traffic from IPsec policies (a per-socket XFRM bypass, as IKE daemons do), so IKE keeps
    /// flowing when a CHILD_SA with the same peer covers all traffic between the two addresses. False where refused.
    /// </summary>
    public bool EnableIpsecBypass()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        // struct xfrm_userpolicy_info (168 bytes): zero but sel.family (offset 40, host order) and dir (offset 160);
        // action 0 is XFRM_POLICY_ALLOW. The kernel refuses a selector without a family (EINVAL).
        var policy = new byte[168];
        bool v6 = _socket.AddressFamily == AddressFamily.InterNetworkV6;
        BitConverter.TryWriteBytes(policy.AsSpan(40), (ushort)(v6 ? 10 : 2));   // AF_INET6 / AF_INET
        try
        {
            for (byte dir = 0; dir <= 1; dir++)
            {
                policy[160] = dir;
                _socket.SetRawSocketOption(v6 ? 41 : 0, v6 ? 35 : 17, policy);   // SOL_IPV6/IPV6_XFRM_POLICY, SOL_IP/IP_XFRM_POLICY
            }
            return true;
        }
        catch (SocketException e)
        {
            _logger.UdpBypassRefused(LocalEndPoint, e.SocketErrorCode);
            return false;
        }
    }

    /// <summary>
    /// Receives what is waiting without blocking, at most <paramref name="max"/> datagrams, and runs
    /// <paramref name="onDatagram"/> for each on the calling thread (the loop that polls this socket with
    /// <see cref="SocketPoll"/>); the number received. An ICMP error is counted and skipped; another error, logged, ends the
    /// call.
    /// </summary>
    public int ReceiveWaiting(DatagramHandler onDatagram, int max)
    {
        _received ??= new DatagramReceiveBatch(_receiveSlots);
        _senderAddress ??= new SocketAddress(_socket.AddressFamily);
        int received = 0;
        while (received < max)
        {
            int count;
            try
            {
                count = _received.ReceiveFrom(_socket, max - received, out int errno);
                if (count < 0)
                {
                    var error = SocketErrors.From(errno);
                    if (!IsIcmpError(error))
                    {
                        _logger.UdpReceiveFailed(LocalEndPoint, error);
                        break;
                    }
                    IcmpErrors++;
                    _logger.UdpIcmpError(LocalEndPoint, error);
                    continue;
                }
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            for (int i = 0; i < count; i++)
            {
                var datagram = _received.Datagram(i);
                if (datagram.Length == 0 && _socket.IsDisposed)
                {
                    return received;
                }
                _senderAddress.Size = _received.Sender(i, _senderAddress.Buffer.Span);
                received++;
                Deliver(datagram, _senderAddress, onDatagram);
            }
            if (count < _received.Slots)
            {
                break;   // the queue is empty (what came in since waits for the next poll)
            }
        }
        return received;
    }

    /// <summary>Strips the non-ESP marker on a NAT-T socket (or drops and counts a datagram without one), then hands it on.</summary>
    private void Deliver(Memory<byte> datagram, SocketAddress address, DatagramHandler onDatagram)
    {
        var from = _peers.Get(address);
        int length = datagram.Length;
        if (IsNatTraversal)
        {
            if (length < NonEspMarkerLength || BitConverter.ToInt32(datagram.Span) != 0)
            {
                DroppedWithoutMarker++;
                if (length != 1)    // a 0xFF keepalive is routine; anything else is worth a debug line
                {
                    _logger.UdpNotIke(LocalEndPoint, length, from);
                }
                return;
            }
            datagram = datagram[NonEspMarkerLength..];
        }
        Received++;
        onDatagram(datagram, from);
    }

    /// <summary>
    /// Sends one datagram (with the non-ESP marker in front on a NAT-T socket, but for a one-octet NAT keepalive). False
    /// when the kernel refuses it (unreachable network, no buffer space, …); that is logged, and retransmission is the
    /// protocol's business.
    /// </summary>
    public bool SendTo(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        byte[]? rented = null;
        try
        {
            if (IsNatTraversal && !NatDetection.IsKeepalive(datagram))
            {
                rented = ArrayPool<byte>.Shared.Rent(datagram.Length + NonEspMarkerLength);
                rented.AsSpan(0, NonEspMarkerLength).Clear();
                datagram.CopyTo(rented.AsSpan(NonEspMarkerLength));
                datagram = rented.AsSpan(0, datagram.Length + NonEspMarkerLength);
            }
            _socket.SendTo(datagram, to);
            return true;
        }
        catch (SocketException e)
        {
            _logger.UdpSendFailed(LocalEndPoint, datagram.Length, to, e.SocketErrorCode);
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <inheritdoc cref="SendTo(ReadOnlySpan{byte}, IPEndPoint)"/>
    public bool SendTo(byte[] datagram, IPEndPoint to) => SendTo(datagram.AsSpan(), to);

    /// <summary>
    /// Adds a datagram to those <see cref="Flush"/> sends in one call (sendmmsg), as <see cref="SendTo(ReadOnlySpan{byte}, IPEndPoint)"/>
    /// would send it; a full batch is sent first. For one thread (the controller's loop).
    /// </summary>
    public void Queue(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        _batch ??= new DatagramBatch(_socket.AddressFamily);
        ReadOnlySpan<byte> marker = IsNatTraversal && !NatDetection.IsKeepalive(datagram) ? NonEspMarker : default;
        if (!_batch.TryAdd(marker, datagram, to))
        {
            Flush();
            if (!_batch.TryAdd(marker, datagram, to))
            {
                SendTo(datagram, to);   // larger than a whole batch
            }
        }
    }

    /// <summary>Sends what <see cref="Queue"/> gathered; a datagram the kernel refuses is logged and skipped, as by SendTo.</summary>
    public void Flush()
    {
        if (_batch is not { Count: > 0 } batch)
        {
            return;
        }
        try
        {
            for (int next = 0; next < batch.Count;)
            {
                int sent = batch.SendFrom(_socket, next, out int errno);
                if (sent < 0)
                {
                    _logger.UdpSendFailed(LocalEndPoint, batch.Length(next), batch.To(next), SocketErrors.From(errno));
                    sent = 1;
                }
                next += sent;
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            batch.Clear();
        }
    }

    /// <summary>The socket itself, for options this class does not set (tests use it to turn on IP_RECVERR).</summary>
    internal PosixSocket Socket => _socket;

    /// <summary>Closes the socket; a running loop then ends.</summary>
    public void Dispose()
    {
        _socket.Dispose();
        var batch = _batch;
        _batch = null;
        batch?.Dispose();
        var received = _received;
        _received = null;
        received?.Dispose();
    }

    public override string ToString() => IsNatTraversal ? $"udp {LocalEndPoint} (NAT-T)" : $"udp {LocalEndPoint}";

    private static bool IsIcmpError(SocketError error) => error is SocketError.ConnectionRefused or SocketError.ConnectionReset
        or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.MessageSize
        or SocketError.TimedOut;
}
