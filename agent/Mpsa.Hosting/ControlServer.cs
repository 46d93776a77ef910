using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpsa.Sockets;

namespace Mpsa.Hosting;

/// <summary>
/// The daemon's control socket: a Unix-domain stream socket (e.g. <c>/run/mpsa/agent.sock</c>, mode 0660).
/// The protocol is one request line (<c>status</c>, <c>status --json</c>, <c>reload</c>, …, at most
/// <see cref="MaxRequestLength"/> bytes, within <see cref="RequestTimeout"/>), answered with text, after
/// which the server closes the connection. The answer comes from the handler, which typically posts the
/// command to the driver loop and awaits its reply; it gets a token that is cancelled when the server
/// stops or after <see cref="HandlerTimeout"/>. Answers end with a newline (added when missing).
/// <para>
/// Blocking calls on threads of the server's own: one accepts, and each connection is served on a thread of its own (at
/// most <see cref="MaxConnections"/>), so a slow client never holds a pool thread. A time limit or the server's stop
/// shuts the connection down, which wakes its blocked call.
/// </para>
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    public const int MaxRequestLength = 1024;

    /// <summary>At most this many connections are served at once; more wait in the listen backlog (64).</summary>
    public const int MaxConnections = 8;

    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan HandlerTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly PosixSocket _listener;
    private readonly Func<string, CancellationToken, Task<string>> _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private readonly HashSet<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _disposed;

    private ControlServer(string path, PosixSocket listener, Func<string, CancellationToken, Task<string>> handler, ILogger logger)
    {
        Path = path;
        _listener = listener;
        _handler = handler;
        _logger = logger;
        _acceptLoop = DedicatedThread.Run("mpsa-control", AcceptLoop);
    }

    public string Path { get; }

    /// <summary>
    /// Binds <paramref name="path"/> and starts serving. A socket file left by a daemon that died is removed
    /// first; if a daemon still answers on it, this throws <see cref="IOException"/> instead. The parent
    /// directory is created (mode 0750) when missing.
    /// </summary>
    public static ControlServer Start(string path, Func<string, CancellationToken, Task<string>> handler, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            }
        }
        RemoveStaleSocket(path, logger);
        var listener = PosixSocket.UnixStream();
        try
        {
            listener.Bind(path);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            }
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        logger.ControlListening(path);
        return new ControlServer(path, listener, handler, logger);
    }

    /// <summary>Stops accepting, lets open requests finish (bounded), and deletes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }
        try
        {
            await Task.WhenAll(open).WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A handler that ignores its token; its connection is closed when it returns.
        }
        try
        {
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.ControlDeleteFailed(Path, FileErrorText.Of(e, Path));
        }
        _stop.Dispose();
    }

    private static void RemoveStaleSocket(string path, ILogger logger)
    {
        if (!File.Exists(path))
        {
            return;
        }
        using (var probe = PosixSocket.UnixStream())
        {
            try
            {
                probe.Connect(path);
                throw new IOException($"another daemon is listening on {path}");
            }
            catch (SocketException)
            {
                // Nobody answers: what is there is a leftover.
            }
        }
        File.Delete(path);
        logger.ControlStaleRemoved(path);
    }

    private void AcceptLoop()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            PosixSocket client;
            try
            {
                _slots.Wait(token);
                client = _listener.Accept();
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                || (e is SocketException && token.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and the like: wait a little rather than spin.
                _slots.Release();
                _logger.ControlConnectionError(e.Message);
                token.WaitHandle.WaitOne(100);
                continue;
            }
            var connection = DedicatedThread.Run("mpsa-control", () => Serve(client));
            lock (_connections)
            {
                _connections.Add(connection);
            }
            _ = connection.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static void Forget(Task connection, object? state)
    {
        var server = (ControlServer)state!;
        lock (server._connections)
        {
            server._connections.Remove(connection);
        }
        server._slots.Release();
    }

    private void Serve(PosixSocket client)
    {
        using (client)
        {
            try
            {
                string? command, problem;
                using (var readLimit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                using (client.ShutDownOn(readLimit.Token))
                {
                    readLimit.CancelAfter(RequestTimeout);
                    (command, problem) = ReadRequest(client, readLimit.Token);
                }
                string response;
                if (command is null)
                {
                    _logger.ControlRejected(problem!);
                    response = $"error: {problem}\n";
                }
                else
                {
                    response = RunHandlerAsync(command).GetAwaiter().GetResult();
                }
                // The answer is sent even while stopping ("error: daemon is stopping"), within its own limit.
                using var writeLimit = new CancellationTokenSource(RequestTimeout);
                using var wake = client.ShutDownOn(writeLimit.Token);
                client.SendAll(Encoding.UTF8.GetBytes(response), writeLimit.Token);
                client.Shutdown(receive: false, send: true);
                // Closing with unread input makes the kernel reset the peer, which may then lose the answer
                // (an over-long request, or a client that wrote more than one line): read to its end first.
                Drain(client, writeLimit.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                _logger.ControlConnectionError(e is OperationCanceledException ? "timed out or server stopping" : e.Message);
            }
        }
    }

    private static void Drain(PosixSocket client, CancellationToken token)
    {
        var scratch = new byte[4096];
        for (int total = 0; total < 64 * 1024;)
        {
            int read = client.Receive(scratch, token);
            if (read == 0)
            {
                return;
            }
            total += read;
        }
    }

    private async Task<string> RunHandlerAsync(string command)
    {
        string verb = command.Split(' ', 2)[0];
        _logger.ControlRequest(verb);   // the verb only: arguments could one day carry something private
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(HandlerTimeout);
        try
        {
            var response = await _handler(command, limit.Token).ConfigureAwait(false);
            return response.Length == 0 || response.EndsWith('\n') ? response : response + "\n";
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return _stop.IsCancellationRequested ? "error: daemon is stopping\n" : "error: the daemon did not answer in time\n";
        }
        catch (Exception e)
        {
            _logger.ControlCommandFailed(e, verb);
            return "error: internal error (see the daemon's log)\n";
        }
    }

    /// <summary>Reads up to the first newline (or the end of input); the command, or null and why not.</summary>
    private static (string? Command, string? Problem) ReadRequest(PosixSocket client, CancellationToken token)
    {
        var buffer = new byte[MaxRequestLength + 1];
        int filled = 0;
        while (true)
        {
            int newline = Array.IndexOf(buffer, (byte)'\n', 0, filled);
            if (newline >= 0)
            {
                return Decode(buffer.AsSpan(0, newline));
            }
            if (filled == buffer.Length)
            {
                return (null, $"request longer than {MaxRequestLength} bytes");
            }
            int read = client.Receive(buffer.AsSpan(filled), token);
            if (read == 0)
            {
                return filled == 0 ? (null, "empty request") : Decode(buffer.AsSpan(0, filled));
            }
            filled += read;
        }
    }

    private static (string? Command, string? Problem) Decode(ReadOnlySpan<byte> line)
    {
        string command;
        try
        {
            command = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(line).Trim();
        }
        catch (DecoderFallbackException)
        {
            return (null, "request is not UTF-8");
        }
        if (command.Length == 0)
        {
            return (null, "empty request");
        }
        return ContainsControl(command) ? (null, "request contains control characters") : (command, null);
    }

    /// <summary>What char.IsControl accepts: U+0000-U+001F and U+007F-U+009F.</summary>
    private static bool ContainsControl(string text) =>
        text.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || text.AsSpan().ContainsAnyInRange('\u007f', '\u009f');
}
