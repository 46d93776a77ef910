using System.Net;
using System.Net.Sockets;

namespace Mpsa.Hosting;

/// <summary>
/// Maps the raw socket address a datagram came from to an <see cref="IPEndPoint"/>, creating each endpoint
/// once: after a peer's first datagram, receiving from it allocates nothing. IPv4-mapped IPv6 addresses
/// (a dual-stack socket's IPv4 peers) are given as IPv4, so state machines see one form of each address.
/// When <see cref="Capacity"/> different peers have been seen the cache starts over (the controller of
/// thousands of CPEs only pays an allocation per peer then). Used by one receive loop: not thread-safe.
/// </summary>
internal sealed class PeerCache(AddressFamily family, int capacity = 4096)
{
    private readonly Dictionary<SocketAddress, IPEndPoint> _endpoints = [];
    private readonly IPEndPoint _template = new(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);

    public int Capacity { get; } = capacity;

    public int Count => _endpoints.Count;

    /// <summary>The endpoint for <paramref name="address"/>, which is only read (the caller reuses it).</summary>
    public IPEndPoint Get(SocketAddress address)
    {
        // SocketAddress hashes and compares its bytes up to Size, so a reused instance works as a lookup key.
        if (_endpoints.TryGetValue(address, out var known))
        {
            return known;
        }
        if (_endpoints.Count >= Capacity)
        {
            _endpoints.Clear();
        }
        var key = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(key.Buffer.Span);
        var endpoint = (IPEndPoint)_template.Create(key);
        if (endpoint.Address.IsIPv4MappedToIPv6)
        {
            endpoint = new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port);
        }
        _endpoints.Add(key, endpoint);
        return endpoint;
    }
}
