using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

[UnsupportedOSPlatform("windows")]
public class ControlSocketTests
{
    private DirectoryInfo _dir = null!;
    private string _path = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _dir = Directory.CreateTempSubdirectory("mpsa-ctl-");
        _path = Path.Combine(_dir.FullName, "run", "agent.sock");
    }

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private static Task<string> Handler(string command, CancellationToken token) => command switch
    {
        "status" => Task.FromResult("state: up\npeers: 2"),
        "status --json" => Task.FromResult("{\"state\":\"up\"}\n"),
        "fail" => throw new InvalidOperationException("boom"),
        "slow" => Never(token),
        _ => Task.FromResult($"error: unknown command '{command.Split(' ')[0]}'\n"),
    };

    private static async Task<string> Never(CancellationToken token)
    {
        await Task.Delay(Timeout.Infinite, token);
        return "never";
    }

    [Test]
    public async Task AnswersCommandsOverTheSocket()
    {
        await using var server = ControlServer.Start(_path, Handler);

        Assert.That(await ControlClient.SendAsync(_path, "status"), Is.EqualTo("state: up\npeers: 2\n"));
        Assert.That(await ControlClient.SendAsync(_path, "status --json"), Is.EqualTo("{\"state\":\"up\"}\n"));
        Assert.That(await ControlClient.SendAsync(_path, "  status  "), Is.EqualTo("state: up\npeers: 2\n"));
    }

    [Test]
    public async Task PassesUnknownCommandsToTheHandler()
    {
        await using var server = ControlServer.Start(_path, Handler);

        Assert.That(await ControlClient.SendAsync(_path, "frobnicate now"), Is.EqualTo("error: unknown command 'frobnicate'\n"));
    }

    [Test]
    public async Task AnswersAHandlerFailureWithAnError()
    {
        await using var server = ControlServer.Start(_path, Handler);

        Assert.That(await ControlClient.SendAsync(_path, "fail"), Is.EqualTo("error: internal error (see the daemon's log)\n"));
        Assert.That(await ControlClient.SendAsync(_path, "status"), Does.StartWith("state: up"));
    }

    [Test]
    public async Task ServesManyClientsAtOnce()
    {
        await using var server = ControlServer.Start(_path, Handler);

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => ControlClient.SendAsync(_path, "status")));

        Assert.That(answers, Has.All.EqualTo("state: up\npeers: 2\n"));
    }

    [Test]
    public async Task RejectsAnOverlongRequest()
    {
        await using var server = ControlServer.Start(_path, Handler);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_path));

        await socket.SendAsync(Encoding.ASCII.GetBytes(new string('x', ControlServer.MaxRequestLength + 10) + "\n"));
        socket.Shutdown(SocketShutdown.Send);

        Assert.That(await ReadToEndAsync(socket), Is.EqualTo($"error: request longer than {ControlServer.MaxRequestLength} bytes\n"));
    }

    [Test]
    public async Task TakesTheRequestLineWithoutTheRestOfTheInput()
    {
        await using var server = ControlServer.Start(_path, Handler);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_path));

        await socket.SendAsync("status\r\nignored\n"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);

        Assert.That(await ReadToEndAsync(socket), Is.EqualTo("state: up\npeers: 2\n"));
    }

    [Test]
    public async Task SetsMode0660AndDeletesTheSocketOnDispose()
    {
        var server = ControlServer.Start(_path, Handler);

        Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite));
        await server.DisposeAsync();
        Assert.That(File.Exists(_path), Is.False);
    }

    [Test]
    public async Task ReplacesAStaleSocketFile()
    {
        MakeLeftover();

        await using var server = ControlServer.Start(_path, Handler);

        Assert.That(await ControlClient.SendAsync(_path, "status"), Does.StartWith("state: up"));
    }

    [Test]
    public async Task RefusesToStartWhileAnotherDaemonListens()
    {
        await using var first = ControlServer.Start(_path, Handler);

        var e = Assert.Throws<IOException>(() => ControlServer.Start(_path, Handler));

        Assert.That(e!.Message, Is.EqualTo($"another daemon is listening on {_path}"));
        Assert.That(await ControlClient.SendAsync(_path, "status"), Does.StartWith("state: up"));
    }

    [Test]
    public void ReportsADaemonThatIsNotRunningWhenTheSocketIsMissing()
    {
        var e = Assert.ThrowsAsync<ControlClientException>(() => ControlClient.SendAsync(_path, "status", "mpsa-agent"));

        Assert.That(e!.Message, Is.EqualTo($"mpsa-agent is not running (no control socket at {_path})"));
        Assert.That(e.NotRunning, Is.True);
    }

    [Test]
    public void ReportsADaemonThatIsNotRunningWhenNobodyListens()
    {
        MakeLeftover();

        var e = Assert.ThrowsAsync<ControlClientException>(() => ControlClient.SendAsync(_path, "status", "mpsa-agent"));

        Assert.That(e!.Message, Is.EqualTo($"mpsa-agent is not running (nothing listens on {_path})"));
        Assert.That(e.NotRunning, Is.True);
    }

    [Test]
    public async Task ReportsADaemonThatDoesNotAnswerInTime()
    {
        await using var server = ControlServer.Start(_path, Handler);

        var e = Assert.ThrowsAsync<ControlClientException>(() =>
            ControlClient.SendAsync(_path, "slow", "mpsa-agent", TimeSpan.FromMilliseconds(200)));

        Assert.That(e!.Message, Does.StartWith("mpsa-agent did not answer within"));
    }

    [Test]
    public async Task CancelsAPendingHandlerWhenStopping()
    {
        var server = ControlServer.Start(_path, Handler);
        var pending = ControlClient.SendAsync(_path, "slow");
        await Task.Delay(100);

        await server.DisposeAsync();

        Assert.That(await pending, Is.EqualTo("error: daemon is stopping\n"));
    }

    /// <summary>
    /// What a killed daemon leaves: a path nobody listens on. (.NET unlinks a path it bound when the socket
    /// is disposed, so a real leftover socket cannot be made in-process; connecting to a plain file fails
    /// with ECONNREFUSED just the same.)
    /// </summary>
    private void MakeLeftover()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        File.WriteAllText(_path, "");
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            all.Write(buffer, 0, read);
        }
        return Encoding.UTF8.GetString(all.ToArray());
    }
}
