using System.Net.Sockets;
using System.Text;

namespace Mpsa.Controller;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path, or '@' for the abstract namespace) for a
/// unit of <c>Type=notify</c>. Does nothing when the variable is unset, i.e. when not started by systemd.
/// </summary>
internal static class SdNotify
{
    public static bool Ready() => Send("READY=1\nSTATUS=serving\n");

    public static bool Stopping() => Send("STOPPING=1\nSTATUS=saying goodbye to members\n");

    private static bool Send(string state)
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path) || (path[0] != '/' && path[0] != '@'))
        {
            return false;
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;   // systemd went away or the socket is not ours: the service runs on regardless
        }
    }
}
