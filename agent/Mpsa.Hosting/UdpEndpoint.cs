using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mpsa.Hosting;

/// <summary>
/// One bound UDP socket for IKE. A receive loop reuses one buffer and hands each datagram to a callback before
/// the next receive (the callback copies what it keeps). On a NAT-T socket (port 4500, RFC 3948 §2.2) IKE carries a
/// four-byte zero non-ESP marker: it is stripped on receive and added on send; datagrams without it are ESP for the kernel.
/// </summary>
internal sealed class UdpEndpoint : IAsyncDisposable
{
    private const int MarkerLength = 4;
    private readonly Socket _socket;
    private readonly Action<ReadOnlyMemory<byte>, IPEndPoint> _onDatagram;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private UdpEndpoint(Socket socket, bool natTraversal, Action<ReadOnlyMemory<byte>, IPEndPoint> onDatagram, ILogger logger)
    {
        _socket = socket;
        IsNatTraversal = natTraversal;
        _onDatagram = onDatagram;
        _logger = logger;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _loop = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    public bool IsNatTraversal { get; }

    /// <summary>Binds <paramref name="local"/> ([::] is dual-stack) and starts receiving. Throws <see cref="SocketException"/> when it cannot bind.</summary>
    public static UdpEndpoint Bind(IPEndPoint local, bool natTraversal, Action<ReadOnlyMemory<byte>, IPEndPoint> onDatagram, ILogger? logger = null)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (local.AddressFamily == AddressFamily.InterNetworkV6 && local.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(local);
            var endpoint = new UdpEndpoint(socket, natTraversal, onDatagram, logger ?? NullLogger.Instance);
            endpoint._logger.UdpListening(endpoint.LocalEndPoint, natTraversal ? " (NAT-T, non-ESP marker)" : "");
            return endpoint;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void SendTo(byte[] datagram, IPEndPoint to)
    {
        try
        {
            if (IsNatTraversal)
            {
                var framed = new byte[MarkerLength + datagram.Length];
                datagram.CopyTo(framed, MarkerLength);
                _socket.SendTo(framed, to);
            }
            else
            {
                _socket.SendTo(datagram, to);
            }
        }
        catch (SocketException e)
        {
            if (_logger.IsEnabled(LogLevel.Warning))
            {
                _logger.UdpSendFailed(LocalEndPoint, datagram.Length, to, e.SocketErrorCode.ToString());
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65536];
        var address = new SocketAddress(_socket.AddressFamily);
        SocketAddress? lastAddress = null;
        IPEndPoint? lastFrom = null;
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, address, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // ICMP port unreachable from an earlier send surfaces here as ConnectionReset: not fatal.
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    _logger.UdpIcmpError(LocalEndPoint, e.SocketErrorCode.ToString());
                }
                continue;
            }
            // Routing the same peer again costs no allocation.
            if (lastFrom is null || !address.Equals(lastAddress))
            {
                lastFrom = (IPEndPoint)LocalEndPoint.Create(address);
                lastAddress = new SocketAddress(address.Family, address.Size);
                address.Buffer.CopyTo(lastAddress.Buffer);
            }
            var datagram = buffer.AsMemory(0, n);
            if (IsNatTraversal)
            {
                if (n < MarkerLength || BitConverter.ToUInt32(buffer, 0) != 0)
                {
                    _logger.UdpNotIke(LocalEndPoint, n, lastFrom);   // ESP in UDP: the kernel's business
                    continue;
                }
                datagram = datagram[MarkerLength..];
            }
            try
            {
                _onDatagram(datagram, lastFrom);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.UdpReceiveFailed(LocalEndPoint, e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
