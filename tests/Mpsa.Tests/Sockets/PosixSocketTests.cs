using System.Net;
using System.Net.Sockets;
using Mpsa.Sockets;

namespace Mpsa.Tests.Sockets;

/// <summary>PosixSocket on loopback and in a temporary directory: errors as System.Net.Sockets gives them, and wake-ups.</summary>
public class PosixSocketTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("mpsa-sock-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void ReportsFailuresWithTheCodeAndMessageOfSystemNetSockets()
    {
        using var first = PosixSocket.Udp(AddressFamily.InterNetwork);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var second = PosixSocket.Udp(AddressFamily.InterNetwork);
        var ours = Assert.Throws<SocketException>(() => second.Bind(first.LocalEndPoint));

        using var dotnet = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var theirs = Assert.Throws<SocketException>(() => dotnet.Bind(first.LocalEndPoint));
        Assert.That(ours!.SocketErrorCode, Is.EqualTo(SocketError.AddressAlreadyInUse));
        Assert.That(ours.SocketErrorCode, Is.EqualTo(theirs!.SocketErrorCode));
        Assert.That(ours.Message, Is.EqualTo(theirs.Message));

        using var client = PosixSocket.UnixStream();
        var refused = Assert.Throws<SocketException>(() => client.Connect(Path.Combine(_directory, "nobody")));
        Assert.That(refused!.SocketErrorCode, Is.EqualTo(SocketError.AddressNotAvailable));   // ENOENT, as .NET maps it
    }

    [Test]
    public void ConnectedUdpSocketNamesTheSourceAddressAndSendsNothing()
    {
        using var listener = PosixSocket.Udp(AddressFamily.InterNetwork);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var probe = PosixSocket.Udp(AddressFamily.InterNetwork);
        probe.Connect(listener.LocalEndPoint);

        Assert.That(probe.LocalEndPoint.Address, Is.EqualTo(IPAddress.Loopback));
        Assert.That(probe.LocalEndPoint.Port, Is.Not.Zero);
    }

    [Test]
    public async Task DisposeWakesAnAcceptAndAShutdownWakesAReceive()
    {
        string path = Path.Combine(_directory, "s");
        var listener = PosixSocket.UnixStream();
        listener.Bind(path);
        listener.Listen(4);
        var accepting = Task.Run(() => Assert.Catch(() => listener.Accept()));
        await Task.Delay(50);
        listener.Dispose();
        await accepting.WaitAsync(Patience);

        using var server = PosixSocket.UnixStream();
        string path2 = Path.Combine(_directory, "t");
        server.Bind(path2);
        server.Listen(4);
        using var client = PosixSocket.UnixStream();
        client.Connect(path2);
        using var accepted = server.Accept();
        using var limit = new CancellationTokenSource();
        using var wake = accepted.ShutDownOn(limit.Token);
        var receiving = Task.Run(() => accepted.Receive(new byte[16], limit.Token));
        await Task.Delay(50);
        Assert.That(receiving.IsCompleted, Is.False);
        await limit.CancelAsync();
        Assert.ThrowsAsync<OperationCanceledException>(() => receiving.WaitAsync(Patience));
    }

    [Test]
    public void SendsAndReceivesOnAConnectedStream()
    {
        string path = Path.Combine(_directory, "u");
        using var server = PosixSocket.UnixStream();
        server.Bind(path);
        server.Listen(4);
        using var client = PosixSocket.UnixStream();
        client.Connect(path);
        using var accepted = server.Accept();

        client.SendAll("status\n"u8, CancellationToken.None);
        client.Shutdown(receive: false, send: true);
        var buffer = new byte[64];
        int read = accepted.Receive(buffer, CancellationToken.None);
        Assert.That(buffer[..read], Is.EqualTo("status\n"u8.ToArray()));
        Assert.That(accepted.Receive(buffer, CancellationToken.None), Is.Zero);   // the client's end of input
    }
}
