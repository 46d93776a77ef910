using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Ike.Wire;

namespace Mpsa.Hosting;

/// <summary>
/// Log messages of the hosting layer, with stable EventIds inside the daemons' areas: 15x UDP transport
/// (1xx), 45x secret and config files (4xx), 6xx process (signals, driver loop), 7xx control socket. What a control
/// client sent is escaped (<see cref="PeerText"/>) before the generated <c>...Line</c> method formats it.
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "UDP listening on {Local}{Mode}")]
    public static partial void UdpListening(this ILogger logger, IPEndPoint local, string mode);

    [LoggerMessage(EventId = 151, Level = LogLevel.Debug, Message = "UDP on {Local}: ignored {Error} (an ICMP error for an earlier datagram)")]
    public static partial void UdpIcmpError(this ILogger logger, IPEndPoint local, SocketError error);

    [LoggerMessage(EventId = 152, Level = LogLevel.Debug, Message = "UDP on {Local}: dropped a {Length}-byte datagram from {From} without the non-ESP marker")]
    public static partial void UdpNotIke(this ILogger logger, IPEndPoint local, int length, IPEndPoint from);

    [LoggerMessage(EventId = 153, Level = LogLevel.Warning, Message = "UDP on {Local}: sending {Length} bytes to {To} failed: {Error}")]
    public static partial void UdpSendFailed(this ILogger logger, IPEndPoint local, int length, IPEndPoint to, SocketError error);

    [LoggerMessage(EventId = 154, Level = LogLevel.Error, Message = "UDP on {Local}: receive failed: {Error}")]
    public static partial void UdpReceiveFailed(this ILogger logger, IPEndPoint local, SocketError error);

    [LoggerMessage(EventId = 155, Level = LogLevel.Warning, Message = "UDP on {Local}: the kernel refused UDP_ENCAP_ESPINUDP ({Error}); ESP in UDP will not be decapsulated")]
    public static partial void UdpEncapRefused(this ILogger logger, IPEndPoint local, SocketError error);

    [LoggerMessage(EventId = 156, Level = LogLevel.Warning, Message = "UDP on {Local}: the kernel refused the IPsec bypass policy ({Error}); a CHILD_SA covering IKE's addresses could capture IKE itself")]
    public static partial void UdpBypassRefused(this ILogger logger, IPEndPoint local, SocketError error);

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "control socket listening on {Path}")]
    public static partial void ControlListening(this ILogger logger, string path);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "removed stale control socket {Path}")]
    public static partial void ControlStaleRemoved(this ILogger logger, string path);

    public static void ControlRequest(this ILogger logger, string command)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.ControlRequestLine(PeerText.Escape(command));
        }
    }

    [LoggerMessage(EventId = 702, Level = LogLevel.Debug, Message = "control request '{Command}'")]
    private static partial void ControlRequestLine(this ILogger logger, string command);

    public static void ControlRejected(this ILogger logger, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.ControlRejectedLine(PeerText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "control request rejected: {Reason}")]
    private static partial void ControlRejectedLine(this ILogger logger, string reason);

    public static void ControlCommandFailed(this ILogger logger, Exception exception, string command)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            logger.ControlCommandFailedLine(exception, PeerText.Escape(command));
        }
    }

    [LoggerMessage(EventId = 704, Level = LogLevel.Error, Message = "control command '{Command}' failed")]
    private static partial void ControlCommandFailedLine(this ILogger logger, Exception exception, string command);

    [LoggerMessage(EventId = 705, Level = LogLevel.Debug, Message = "control connection ended early: {Error}")]
    public static partial void ControlConnectionError(this ILogger logger, string error);

    [LoggerMessage(EventId = 706, Level = LogLevel.Warning, Message = "cannot delete control socket {Path}: {Error}")]
    public static partial void ControlDeleteFailed(this ILogger logger, string path, string error);

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "{Signal} received, stopping")]
    public static partial void StopSignal(this ILogger logger, string signal);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "SIGHUP received, reloading")]
    public static partial void ReloadSignal(this ILogger logger);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "{Signal} received while stopping: exiting now")]
    public static partial void SecondStopSignal(this ILogger logger, string signal);
}
