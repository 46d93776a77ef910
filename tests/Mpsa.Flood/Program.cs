using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mpsa.Ike.Wire;

// mpsa-flood PORT SECONDS SOURCES RATE: for SECONDS, sends RATE datagrams a second to 127.0.0.1:PORT, half of them
// IKE_SA_INIT requests (fresh SPI, KE and nonce each) from SOURCES addresses 127.77.x.y that never answer a cookie,
// half garbage. Loopback only, bounded in time. Ends with one line:
// "flood: sent N IKE_SA_INIT from S sources and G garbage datagrams in T s; answers: C cookies, A accepted, O other".
if (args.Length != 4 || !int.TryParse(args[0], out int port) || !int.TryParse(args[1], out int seconds)
    || !int.TryParse(args[2], out int sources) || !int.TryParse(args[3], out int rate) || seconds is < 1 or > 600 || sources is < 1 or > 60_000)
{
    Console.Error.WriteLine("usage: mpsa-flood PORT SECONDS(1-600) SOURCES(1-60000) RATE");
    return 64;
}
var target = new IPEndPoint(IPAddress.Loopback, port);
var sockets = new Socket[sources];
for (int i = 0; i < sources; i++)
{
    sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
    sockets[i].Bind(new IPEndPoint(new IPAddress([127, 77, (byte)(i / 250), (byte)(1 + i % 250)]), 0));
}
var random = new Random(7);
long init = 0, garbage = 0, cookies = 0, accepted = 0, other = 0;
var buffer = new byte[65536];
var clock = Stopwatch.StartNew();
while (clock.Elapsed.TotalSeconds < seconds)
{
    // Pace to RATE a second in 10 ms slices.
    long due = (long)(clock.Elapsed.TotalSeconds * rate);
    for (; init + garbage < due; )
    {
        var s = sockets[random.Next(sources)];
        bool isInit = (init + garbage) % 2 == 0;
        byte[] datagram = isInit ? SaInit(random) : Garbage(random);
        try
        {
            s.SendTo(datagram, target);
        }
        catch (SocketException)
        {
            // The socket buffer is full: a flood loses datagrams too.
        }
        _ = isInit ? init++ : garbage++;
    }
    foreach (var s in sockets)
    {
        while (s.Available > 0)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = s.ReceiveFrom(buffer, ref from);
            if (!IkeMessage.TryDecode(buffer.AsSpan(0, n), out var m, out _))
            {
                other++;
            }
            else if (m.FindNotify(NotifyType.COOKIE) is not null)
            {
                cookies++;
            }
            else if (m.Find<SecurityAssociationPayload>() is not null)
            {
                accepted++;
            }
            else
            {
                other++;
            }
        }
    }
    Thread.Sleep(10);
}
foreach (var s in sockets)
{
    s.Dispose();
}
Console.WriteLine($"flood: sent {init} IKE_SA_INIT from {sources} sources and {garbage} garbage datagrams in {seconds} s; answers: {cookies} cookies, {accepted} accepted, {other} other");
return 0;

// HDR(SPIi, 0), SAi1(chacha20poly1305-prfsha256-x25519), KEi, Ni, V(MPSA): what a real member sends first.
static byte[] SaInit(Random random)
{
    var header = new IkeHeader(new IkeSpi((ulong)random.NextInt64()), default, PayloadType.NoNextPayload, ExchangeType.IKE_SA_INIT, IkeFlags.Initiator, 0, 0);
    var sa = new SecurityAssociationPayload([new ProposalSubstructure(1, ProtocolId.IKE, [], [
        new TransformSubstructure(TransformType.ENCR, (ushort)EncrId.ENCR_CHACHA20_POLY1305),
        new TransformSubstructure(TransformType.PRF, (ushort)PrfId.PRF_HMAC_SHA2_256),
        new TransformSubstructure(TransformType.DH, (ushort)DhGroup.CURVE25519),
    ])]);
    return IkeMessage.Encode(header, [sa, new KeyExchangePayload(DhGroup.CURVE25519, Bytes(random, 32)), new NoncePayload(Bytes(random, 32)), VendorIdPayload.Mpsa()]);
}

// Random bytes; a third of them behind a plausible IKE header so they reach past the header check.
static byte[] Garbage(Random random)
{
    byte[] g = Bytes(random, random.Next(0, 1500));
    if (g.Length >= IkeHeader.Size && random.Next(3) == 0)
    {
        g[17] = IkeHeader.Version2;
        g[18] = (byte)random.Next(34, 38);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(g.AsSpan(24), (uint)g.Length);
    }
    return g;
}

static byte[] Bytes(Random random, int n)
{
    var b = new byte[n];
    random.NextBytes(b);
    return b;
}
