using System.Net.Sockets;
using System.Text;

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
    public static async Task<string> SendAsync(string path, string command, string daemon = "the daemon",
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (command.Contains('\n', StringComparison.Ordinal) || command.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("a control command is one line", nameof(command));
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? DefaultTimeout);
        Socket? socket = null;
        try
        {
            try
            {
                socket = await ConnectAsync(path, limit.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw ConnectFailure(path, daemon, e);
            }
            var request = Encoding.UTF8.GetBytes(command + "\n");
            await socket.SendAsync(request, SocketFlags.None, limit.Token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            using var response = new MemoryStream();
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token).ConfigureAwait(false);
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
            throw new ControlClientException($"{daemon} did not answer within {(timeout ?? DefaultTimeout).TotalSeconds:0.###}s", e);
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

    /// <summary>A full listen backlog makes a non-blocking connect fail with EAGAIN: wait and try again.</summary>
    private static async Task<Socket> ConnectAsync(string path, CancellationToken token)
    {
        var endpoint = new UnixDomainSocketEndPoint(path);
        for (int delay = 5; ; delay = Math.Min(delay * 2, 200))
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(endpoint, token).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TryAgain or SocketError.WouldBlock)
            {
                socket.Dispose();
                await Task.Delay(delay, token).ConfigureAwait(false);
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
