using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Ike.Wire;

namespace Mpsa.Hosting;

/// <summary>
/// Log messages of the hosting layer, with stable EventIds inside the daemons' areas: 15x UDP transport
/// (1xx), 45x secret and config files (4xx), 6xx process (signals, driver loop), 7xx control socket. What a control
/// client sent is escaped (<see cref="PeerText"/>) before it goes into the line.
/// </summary>
internal static class HostingLog
{
    public static void UdpListening(this ILogger logger, IPEndPoint local, string mode) =>
        logger.Line(LogLevel.Information, 150, "UDP listening on {Local}{Mode}", local, mode);

    public static void UdpIcmpError(this ILogger logger, IPEndPoint local, SocketError error) =>
        logger.Line(LogLevel.Debug, 151, "UDP on {Local}: ignored {Error} (an ICMP error for an earlier datagram)", local, error);

    public static void UdpNotIke(this ILogger logger, IPEndPoint local, int length, IPEndPoint from) =>
        logger.Line(LogLevel.Debug, 152, "UDP on {Local}: dropped a {Length}-byte datagram from {From} without the non-ESP marker", local, length, from);

    public static void UdpSendFailed(this ILogger logger, IPEndPoint local, int length, IPEndPoint to, SocketError error) =>
        logger.Line(LogLevel.Warning, 153, "UDP on {Local}: sending {Length} bytes to {To} failed: {Error}", local, length, to, error);

    public static void UdpReceiveFailed(this ILogger logger, IPEndPoint local, SocketError error) =>
        logger.Line(LogLevel.Error, 154, "UDP on {Local}: receive failed: {Error}", local, error);

    public static void UdpEncapRefused(this ILogger logger, IPEndPoint local, SocketError error) =>
        logger.Line(LogLevel.Warning, 155, "UDP on {Local}: the kernel refused UDP_ENCAP_ESPINUDP ({Error}); ESP in UDP will not be decapsulated", local, error);

    public static void UdpBypassRefused(this ILogger logger, IPEndPoint local, SocketError error) =>
        logger.Line(LogLevel.Warning, 156, "UDP on {Local}: the kernel refused the IPsec bypass policy ({Error}); a CHILD_SA covering IKE's addresses could capture IKE itself", local, error);

    public static void ControlListening(this ILogger logger, string path) =>
        logger.Line(LogLevel.Information, 700, "control socket listening on {Path}", path);

    public static void ControlStaleRemoved(this ILogger logger, string path) =>
        logger.Line(LogLevel.Information, 701, "removed stale control socket {Path}", path);

    public static void ControlRequest(this ILogger logger, string command)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Line(LogLevel.Debug, 702, "control request '{Command}'", PeerText.Escape(command));
        }
    }

    public static void ControlRejected(this ILogger logger, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Line(LogLevel.Warning, 703, "control request rejected: {Reason}", PeerText.Escape(reason));
        }
    }

    public static void ControlCommandFailed(this ILogger logger, Exception exception, string command)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            logger.Line(LogLevel.Error, 704, exception, "control command '{Command}' failed", PeerText.Escape(command));
        }
    }

    public static void ControlConnectionError(this ILogger logger, string error) =>
        logger.Line(LogLevel.Debug, 705, "control connection ended early: {Error}", error);

    public static void ControlDeleteFailed(this ILogger logger, string path, string error) =>
        logger.Line(LogLevel.Warning, 706, "cannot delete control socket {Path}: {Error}", path, error);

    public static void StopSignal(this ILogger logger, string signal) =>
        logger.Line(LogLevel.Information, 600, "{Signal} received, stopping", signal);

    public static void ReloadSignal(this ILogger logger) =>
        logger.Line(LogLevel.Information, 601, "SIGHUP received, reloading");

    public static void SecondStopSignal(this ILogger logger, string signal) =>
        logger.Line(LogLevel.Warning, 602, "{Signal} received while stopping: exiting now", signal);
}
