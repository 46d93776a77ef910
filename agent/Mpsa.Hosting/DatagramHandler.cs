using System.Net;

namespace Mpsa.Hosting;

/// <summary>
/// Takes one received datagram. <paramref name="datagram"/> is a view of the receive buffer, valid only
/// during the call: copy what you keep. <paramref name="from"/> is shared between calls from the same
/// peer: keep it, but never change it.
/// </summary>
internal delegate void DatagramHandler(ReadOnlyMemory<byte> datagram, IPEndPoint from);
