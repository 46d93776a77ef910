using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent;

/// <summary>
/// Every log line of the agent. EventIds: 1xx transport, 2xx IKE, 3xx kernel, 4xx config, 5xx group SAs. Never keys.
/// Text the controller (or whoever sends to us) chose goes out through a public method that escapes it
/// (<see cref="PeerText"/>) before the generated <c>...Line</c> method formats it, so no peer can break or forge a line.
/// </summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Critical, Message = "cannot open the IKE socket {Endpoint}: {Error}")]
    public static partial void CannotBind(this ILogger logger, IPEndPoint endpoint, string error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "no NAT traversal: cannot open {Endpoint} ({Error}); behind a NAT the controller will not be reached")]
    public static partial void NoNatTraversal(this ILogger logger, IPEndPoint endpoint, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "waiting for the uplink: {Missing}; connecting as soon as an address or route change brings it")]
    public static partial void WaitingForUplink(this ILogger logger, string missing);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "uplink up after {Seconds:F1} s: IKE leaves from {Source}")]
    public static partial void UplinkUp(this ILogger logger, IPAddress source, double seconds);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "cannot watch addresses and routes ({Error}): looking again every {Seconds} s instead")]
    public static partial void CannotWatchUplink(this ILogger logger, string error, int seconds);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "the address IKE leaves from changed: {Old} -> {New}; {How}")]
    public static partial void IkeSourceChanged(this ILogger logger, IPAddress old, IPAddress @new, string how);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "uplink back, IKE still leaves from {Source}: checking the IKE SA now (or reconnecting, if it was lost)")]
    public static partial void UplinkBack(this ILogger logger, IPAddress source);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "IKE SA {SpiR} moved to {Local} (MOBIKE): the controller {Peer} took the new address")]
    public static partial void IkeSaMoved(this ILogger logger, IkeSpi spiR, IPAddress? local, IPEndPoint peer);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "the IKE SA could not move ({Reason}): reconnecting now")]
    public static partial void MoveNeedsNewSa(this ILogger logger, string reason);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "uplink lost: {Missing}; nothing is torn down: the IKE SA stays while liveness allows, the group SAs until their LIFE")]
    public static partial void UplinkLost(this ILogger logger, string missing);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "cannot watch addresses and routes ({Error}): a change of the WAN address is noticed only when liveness fails")]
    public static partial void CannotFollowUplink(this ILogger logger, string error);

    public static void Dropped(this ILogger logger, IPEndPoint from, string reason)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.DroppedLine(from, PeerText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "dropped datagram from {From}: {Reason}")]
    private static partial void DroppedLine(this ILogger logger, IPEndPoint from, string reason);

    public static void Connecting(this ILogger logger, IPEndPoint controller, string identity)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.ConnectingLine(controller, PeerText.Escape(identity));
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "connecting to controller {Controller} as {Identity}")]
    private static partial void ConnectingLine(this ILogger logger, IPEndPoint controller, string identity);

    public static void Connected(this ILogger logger, IkeSpi spiI, IkeSpi spiR, string identity, IPEndPoint controller, IkeSuite suite)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.ConnectedLine(spiI, spiR, PeerText.Escape(identity), controller, suite);
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "IKE SA {SpiI}/{SpiR} with controller {Identity} at {Controller} established, {Suite}")]
    private static partial void ConnectedLine(this ILogger logger, IkeSpi spiI, IkeSpi spiR, string identity, IPEndPoint controller, IkeSuite suite);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "controller {Controller} did not send the MPSA Vendor ID: its group SAs will be refused unless require_vendor_id = no")]
    public static partial void NoMpsaVendorId(this ILogger logger, IPEndPoint controller);

    [LoggerMessage(EventId = 217, Level = LogLevel.Information, Message = "no CHILD_SA with the controller (child_sa = no): the IKE SA alone carries the group SAs")]
    public static partial void Childless(this ILogger logger);

    [LoggerMessage(EventId = 218, Level = LogLevel.Warning, Message = "controller {Controller} does not take an IKE SA without a CHILD_SA (RFC 6023): one was asked for although child_sa = no")]
    public static partial void ChildlessRefused(this ILogger logger, IPEndPoint controller);

    public static void Disconnected(this ILogger logger, PeerGoneReason reason, string detail, int attempt, long delay)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.DisconnectedLine(reason, PeerText.Escape(detail), attempt, delay);
        }
    }

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "controller connection lost ({Reason}: {Detail}); retry {Attempt} in {Delay} ms, group SAs stay until their lifetime ends")]
    private static partial void DisconnectedLine(this ILogger logger, PeerGoneReason reason, string detail, int attempt, long delay);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "{ChildSa} with the controller negotiated")]
    public static partial void ChildSaUp(this ILogger logger, ChildSa childSa);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "CHILD_SA with the controller refused ({Reason}); the IKE SA stays up")]
    public static partial void ChildSaRefused(this ILogger logger, NotifyType reason);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "the controller deleted {Count} CHILD_SA(s); the IKE SA stays up")]
    public static partial void ChildSaDeletedByPeer(this ILogger logger, int count);

    [LoggerMessage(EventId = 211, Level = LogLevel.Debug, Message = "the CHILD_SA a rekey replaced is gone from the kernel")]
    public static partial void ReplacedChildSaGone(this ILogger logger);

    public static void MpsaMalformed(this ILogger logger, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.MpsaMalformedLine(PeerText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "malformed MPSA_PUT refused: {Reason}")]
    private static partial void MpsaMalformedLine(this ILogger logger, string reason);

    [LoggerMessage(EventId = 207, Level = LogLevel.Debug, Message = "controller answered the liveness check")]
    public static partial void Alive(this ILogger logger);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "IKE SA with the controller rekeyed, {OldSpi} -> {NewSpi} {Suite}")]
    public static partial void Rekeyed(this ILogger logger, IkeSpi oldSpi, IkeSpi newSpi, IkeSuite suite);

    /// <summary>A rekey of ours that did not happen (retried later), or the controller's that we refused; the SA stays.</summary>
    public static void RekeyFailed(this ILogger logger, string what, bool controllersRekey, NotifyType? notify, string reason)
    {
        if (controllersRekey && logger.IsEnabled(LogLevel.Information))
        {
            logger.PeerRekeyRefused(what, notify?.ToString() ?? "none", reason);
        }
        else if (!controllersRekey && logger.IsEnabled(LogLevel.Warning))
        {
            logger.OwnRekeyFailed(what, notify?.ToString() ?? "none", reason);
        }
    }

    [LoggerMessage(EventId = 219, Level = LogLevel.Warning, Message = "{What} rekey with the controller did not happen (notification {Notify}): {Reason}; the current one stays, retry in 30 s")]
    private static partial void OwnRekeyFailed(this ILogger logger, string what, string notify, string reason);

    [LoggerMessage(EventId = 220, Level = LogLevel.Information, Message = "the controller's {What} rekey did not happen (notification {Notify}): {Reason}; the current one stays")]
    private static partial void PeerRekeyRefused(this ILogger logger, string what, string notify, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "reauthenticated with the controller: IKE SA {OldSpi} replaced by {NewSpi}, the old one is being deleted")]
    public static partial void Reauthenticated(this ILogger logger, IkeSpi oldSpi, IkeSpi newSpi);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "reauthentication with the controller failed ({Reason}: {Detail}); the current IKE SA stays, retry in 30 s")]
    public static partial void ReauthenticationFailed(this ILogger logger, PeerGoneReason reason, string detail);

    [LoggerMessage(EventId = 214, Level = LogLevel.Debug, Message = "the IKE SA a reauthentication replaced is gone ({Detail})")]
    public static partial void ReplacedIkeSaGone(this ILogger logger, string detail);

    // 215 and 216 take the argument types of lines above (reference types only): each new combination of argument
    // types costs the binary a few kB of generic logging code
    public static void FailingOver(this ILogger logger, IPEndPoint lost, PeerGoneReason reason, string detail, IPEndPoint next)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.FailingOverLine(lost, string.Concat(reason.ToString(), ": ", PeerText.Escape(detail)), next);
        }
    }

    [LoggerMessage(EventId = 215, Level = LogLevel.Warning, Message = "controller {Lost} lost ({Reason}); failing over to {Next} now, group SAs stay until their lifetime ends")]
    private static partial void FailingOverLine(this ILogger logger, IPEndPoint lost, string reason, IPEndPoint next);

    public static void TryingController(this ILogger logger, IPEndPoint controller, int position, int count)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.TryingControllerLine(controller, string.Concat(position.ToString(), " of ", count.ToString()));
        }
    }

    [LoggerMessage(EventId = 216, Level = LogLevel.Information, Message = "trying controller {Controller} (address {Position})")]
    private static partial void TryingControllerLine(this ILogger logger, IPEndPoint controller, string position);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "IKE SA closed")]
    public static partial void Closed(this ILogger logger);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "kernel: {Operation}")]
    public static partial void KernelOperation(this ILogger logger, string operation);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "removed {Count} states and policies left by an earlier run")]
    public static partial void LeftoversRemoved(this ILogger logger, int count);

    [LoggerMessage(EventId = 303, Level = LogLevel.Critical, Message = "no kernel data plane: {Error} (the agent needs CAP_NET_ADMIN and XFRM; --dry-run runs without)")]
    public static partial void NoKernel(this ILogger logger, string error);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "cannot watch routing table {Table}: {Error}; only static peers are used")]
    public static partial void NoRoutes(this ILogger logger, int table, string error);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "the kernel dropped route events of table {Table} (too many at once): read the table again, {Count} routes")]
    public static partial void RoutesResynced(this ILogger logger, uint table, int count);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "CHILD_SA with the controller installed in the kernel ({Owner})")]
    public static partial void ChildSaInstalled(this ILogger logger, Mpsa.Netlink.Kernel.KernelOwnership owner);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "CHILD_SA with the controller not installed in the kernel: {Error}; keeping the IKE SA")]
    public static partial void ChildSaNotInstalled(this ILogger logger, string error);

    [LoggerMessage(EventId = 307, Level = LogLevel.Debug, Message = "handed back the start-up pages of {AdvisedKb} kB of file mappings: RSS {BeforeKb} kB -> {AfterKb} kB (refused: {Error})")]
    public static partial void FilePagesReleased(this ILogger logger, long advisedKb, long beforeKb, long afterKb, string error);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "the kernel expired state {State} (its hard lifetime, the safety net): the agent's schedule should have replaced it")]
    public static partial void HardExpired(this ILogger logger, Mpsa.Netlink.Kernel.XfrmStateId state);

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void ConfigWarning(this ILogger logger, ConfigError warning);

    [LoggerMessage(EventId = 401, Level = LogLevel.Error, Message = "reload refused, keeping the running configuration: {Error}")]
    public static partial void ReloadRefused(this ILogger logger, ConfigError error);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "the data plane's mode, underlay address or reqid changed: takes effect after a restart (the rest was applied)")]
    public static partial void DataPlaneNeedsRestart(this ILogger logger);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "configuration reloaded")]
    public static partial void Reloaded(this ILogger logger);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "mpsa-agent {Version} starting; IKE proposals {Proposals}; this system offers {Offered}")]
    public static partial void Starting(this ILogger logger, string version, string proposals, string offered);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "stopped: group SAs taken out of the kernel with their states and the peers' policies: {GroupSas}; {IkeSa}")]
    public static partial void Stopped(this ILogger logger, int groupSas, string ikeSa);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "group SA {Spi} {Outcome}: {Put}")]
    public static partial void GroupSaAccepted(this ILogger logger, EspSpi spi, string outcome, MpsaPut put);

    public static void GroupSaRejected(this ILogger logger, EspSpi spi, NotifyType notify, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.GroupSaRejectedLine(spi, notify, PeerText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "group SA {Spi} refused ({Notify} to the controller), keeping what is installed: {Reason}")]
    private static partial void GroupSaRejectedLine(this ILogger logger, EspSpi spi, NotifyType notify, string reason);

    [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "group SA {Spi} failed after it was accepted ({Notify} reported to the controller): {Reason}")]
    public static partial void GroupSaFailed(this ILogger logger, EspSpi spi, NotifyType notify, string reason);

    public static void GroupSaWarning(this ILogger logger, EspSpi spi, string warning)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.GroupSaWarningLine(spi, PeerText.Escape(warning));
        }
    }

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "group SA {Spi}: {Warning}")]
    private static partial void GroupSaWarningLine(this ILogger logger, EspSpi spi, string warning);
}
