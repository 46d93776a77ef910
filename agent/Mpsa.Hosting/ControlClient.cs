using System.Net.Sockets;
using System.Text;
using Mpsa.Sockets;

namespace Mpsa.Hosting;

/// <summary>
/// The command-line side of <see cref="ControlServer"/>: connects, sends one line, and returns everything
/// the daemon writes until it closes the connection. Failures become a <see cref="ControlClientException"/>
/// whose message can be printed as it is.
/// </summary>
internal static class ControlClient
{
    /// <summary>Largest answer read; a status of thousands of SAs fits well within it.</summary>
    public const int MaxResponseLength = 16 * 1024 * 1024;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(35);

    /// <summary>Sends <paramref name="command"/> (one line, no newline in it) and returns the answer.</summary>
    /// <param name="daemon">The daemon's name for messages: "mpsa-agent".</param>
    public static Task<string> SendAsync(string path, string command, string daemon = "the daemon",
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (command.Contains('\n', StringComparison.Ordinal) || command.Contains('\r', StringComparison.Ordinal))
        {
            return Task.FromException<string>(new ArgumentException("a control command is one line", nameof(command)));
        }
        return Task.Run(() => Send(path, command, daemon, timeout ?? DefaultTimeout, cancellationToken), CancellationToken.None);
    }

    /// <summary><see cref="SendAsync"/> with blocking calls; a time limit shuts the connection down, which wakes them.</summary>
    private static string Send(string path, string command, string daemon, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        PosixSocket? socket = null;
        try
        {
            try
            {
                socket = Connect(path, limit.Token);
            }
            catch (SocketException e)
            {
                throw ConnectFailure(path, daemon, e);
            }
            using var wake = socket.ShutDownOn(limit.Token);
            socket.SendAll(Encoding.UTF8.GetBytes(command + "\n"), limit.Token);
            socket.Shutdown(receive: false, send: true);
            using var response = new MemoryStream();
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int read = socket.Receive(buffer, limit.Token);
                if (read == 0)
                {
                    break;
                }
                if (response.Length + read > MaxResponseLength)
                {
                    throw new ControlClientException($"{daemon} answered with more than {MaxResponseLength} bytes");
                }
                response.Write(buffer, 0, read);
            }
            return Encoding.UTF8.GetString(response.GetBuffer(), 0, (int)response.Length);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ControlClientException($"{daemon} did not answer within {timeout.TotalSeconds:0.###}s", e);
        }
        catch (SocketException e)
        {
            throw new ControlClientException($"lost the connection to {daemon} on {path}: {e.Message}", e);
        }
        finally
        {
            socket?.Dispose();
        }
    }

    private static PosixSocket Connect(string path, CancellationToken token)
    {
        for (int delay = 5; ; delay = Math.Min(delay * 2, 200))
        {
            var socket = PosixSocket.UnixStream();
            try
            {
                socket.Connect(path);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TryAgain or SocketError.WouldBlock)
            {
                // The daemon's listen backlog is full: try again shortly.
                socket.Dispose();
                token.WaitHandle.WaitOne(delay);
                token.ThrowIfCancellationRequested();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private static ControlClientException ConnectFailure(string path, string daemon, SocketException e) => e.SocketErrorCode switch
    {
        // ENOENT (shown as AddressNotAvailable on Linux) and the like, when the socket file is gone.
        _ when !File.Exists(path) => new($"{daemon} is not running (no control socket at {path})", e) { NotRunning = true },
        SocketError.ConnectionRefused => new($"{daemon} is not running (nothing listens on {path})", e) { NotRunning = true },
        SocketError.AccessDenied => new($"permission denied on {path} (run as root or as a member of its group)", e),
        _ => new($"cannot connect to {daemon} on {path}: {e.Message}", e),
    };
}
