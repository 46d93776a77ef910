using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent;

/// <summary>
/// Every log line of the agent. EventIds: 1xx transport, 2xx IKE, 3xx kernel, 4xx config, 5xx group SAs. Never keys.
/// Text the controller (or whoever sends to us) chose is escaped (<see cref="PeerText"/>) before it goes into the
/// line (only when the level is enabled), so no peer can break or forge a line.
/// </summary>
internal static class AgentLog
{
    public static void CannotBind(this ILogger logger, IPEndPoint endpoint, string error) =>
        logger.Line(LogLevel.Critical, 100, "cannot open the IKE socket {Endpoint}: {Error}", endpoint, error);

    public static void NoNatTraversal(this ILogger logger, IPEndPoint endpoint, string error) =>
        logger.Line(LogLevel.Warning, 102, "no NAT traversal: cannot open {Endpoint} ({Error}); behind a NAT the controller will not be reached", endpoint, error);

    public static void WaitingForUplink(this ILogger logger, string missing) =>
        logger.Line(LogLevel.Warning, 103, "waiting for the uplink: {Missing}; connecting as soon as an address or route change brings it", missing);

    public static void UplinkUp(this ILogger logger, IPAddress source, double seconds) =>
        logger.Line(LogLevel.Information, 104, "uplink up after {Seconds:F1} s: IKE leaves from {Source}", seconds, source);

    public static void CannotWatchUplink(this ILogger logger, string error, int seconds) =>
        logger.Line(LogLevel.Warning, 105, "cannot watch addresses and routes ({Error}): looking again every {Seconds} s instead", error, seconds);

    public static void IkeSourceChanged(this ILogger logger, IPAddress old, IPAddress @new, string how) =>
        logger.Line(LogLevel.Warning, 106, "the address IKE leaves from changed: {Old} -> {New}; {How}", old, @new, how);

    public static void UplinkBack(this ILogger logger, IPAddress source) =>
        logger.Line(LogLevel.Information, 111, "uplink back, IKE still leaves from {Source}: checking the IKE SA now (or reconnecting, if it was lost)", source);

    public static void IkeSaMoved(this ILogger logger, IkeSpi spiR, IPAddress? local, IPEndPoint peer) =>
        logger.Line(LogLevel.Information, 109, "IKE SA {SpiR} moved to {Local} (MOBIKE): the controller {Peer} took the new address", spiR, local, peer);

    public static void MoveNeedsNewSa(this ILogger logger, string reason) =>
        logger.Line(LogLevel.Warning, 110, "the IKE SA could not move ({Reason}): reconnecting now", reason);

    public static void UplinkLost(this ILogger logger, string missing) =>
        logger.Line(LogLevel.Warning, 107, "uplink lost: {Missing}; nothing is torn down: the IKE SA stays while liveness allows, the group SAs until their LIFE", missing);

    public static void NatDetectionHashFailed(this ILogger logger, string error) =>
        logger.Line(LogLevel.Warning, 112, "the kernel's SHA-1 failed ({Error}): this NAT detection hash is random, which reads as a NAT (as encap = yes), so IKE and the CHILD_SA go in UDP on port 4500", error);

    public static void CannotFollowUplink(this ILogger logger, string error) =>
        logger.Line(LogLevel.Warning, 108, "cannot watch addresses and routes ({Error}): a change of the WAN address is noticed only when liveness fails", error);

    public static void Dropped(this ILogger logger, IPEndPoint from, string reason)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Line(LogLevel.Debug, 101, "dropped datagram from {From}: {Reason}", from, PeerText.Escape(reason));
        }
    }

    public static void Connecting(this ILogger logger, IPEndPoint controller, string identity)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Line(LogLevel.Information, 200, "connecting to controller {Controller} as {Identity}", controller, PeerText.Escape(identity));
        }
    }

    public static void Connected(this ILogger logger, IkeSpi spiI, IkeSpi spiR, string identity, IPEndPoint controller, IkeSuite suite)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Line(LogLevel.Information, 201, "IKE SA {SpiI}/{SpiR} with controller {Identity} at {Controller} established, {Suite}", spiI, spiR, PeerText.Escape(identity), controller, suite);
        }
    }

    public static void NoMpsaVendorId(this ILogger logger, IPEndPoint controller) =>
        logger.Line(LogLevel.Warning, 202, "controller {Controller} did not send the MPSA Vendor ID: its group SAs will be refused unless require_vendor_id = no", controller);

    public static void Childless(this ILogger logger) =>
        logger.Line(LogLevel.Information, 217, "no CHILD_SA with the controller (child_sa = no): the IKE SA alone carries the group SAs");

    public static void ChildlessRefused(this ILogger logger, IPEndPoint controller) =>
        logger.Line(LogLevel.Warning, 218, "controller {Controller} does not take an IKE SA without a CHILD_SA (RFC 6023): one was asked for although child_sa = no", controller);

    public static void Disconnected(this ILogger logger, PeerGoneReason reason, string detail, int attempt, long delay)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Line(LogLevel.Warning, 203, "controller connection lost ({Reason}: {Detail}); retry {Attempt} in {Delay} ms, group SAs stay until their lifetime ends", reason, PeerText.Escape(detail), attempt, delay);
        }
    }

    public static void ChildSaUp(this ILogger logger, ChildSa childSa) =>
        logger.Line(LogLevel.Information, 204, "{ChildSa} with the controller negotiated", childSa);

    public static void ChildSaRefused(this ILogger logger, NotifyType reason) =>
        logger.Line(LogLevel.Warning, 205, "CHILD_SA with the controller refused ({Reason}); the IKE SA stays up", reason);

    public static void ChildSaDeletedByPeer(this ILogger logger, int count) =>
        logger.Line(LogLevel.Warning, 209, "the controller deleted {Count} CHILD_SA(s); the IKE SA stays up", count);

    public static void ReplacedChildSaGone(this ILogger logger) =>
        logger.Line(LogLevel.Debug, 211, "the CHILD_SA a rekey replaced is gone from the kernel");

    public static void MpsaMalformed(this ILogger logger, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Line(LogLevel.Warning, 206, "malformed MPSA_PUT refused: {Reason}", PeerText.Escape(reason));
        }
    }

    public static void Alive(this ILogger logger) =>
        logger.Line(LogLevel.Debug, 207, "controller answered the liveness check");

    public static void Rekeyed(this ILogger logger, IkeSpi oldSpi, IkeSpi newSpi, IkeSuite suite) =>
        logger.Line(LogLevel.Information, 210, "IKE SA with the controller rekeyed, {OldSpi} -> {NewSpi} {Suite}", oldSpi, newSpi, suite);

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

    private static void OwnRekeyFailed(this ILogger logger, string what, string notify, string reason) =>
        logger.Line(LogLevel.Warning, 219, "{What} rekey with the controller did not happen (notification {Notify}): {Reason}; the current one stays, retry in 30 s", what, notify, reason);

    private static void PeerRekeyRefused(this ILogger logger, string what, string notify, string reason) =>
        logger.Line(LogLevel.Information, 220, "the controller's {What} rekey did not happen (notification {Notify}): {Reason}; the current one stays", what, notify, reason);

    public static void Reauthenticated(this ILogger logger, IkeSpi oldSpi, IkeSpi newSpi) =>
        logger.Line(LogLevel.Information, 212, "reauthenticated with the controller: IKE SA {OldSpi} replaced by {NewSpi}, the old one is being deleted", oldSpi, newSpi);

    public static void ReauthenticationFailed(this ILogger logger, PeerGoneReason reason, string detail) =>
        logger.Line(LogLevel.Warning, 213, "reauthentication with the controller failed ({Reason}: {Detail}); the current IKE SA stays, retry in 30 s", reason, detail);

    public static void ReplacedIkeSaGone(this ILogger logger, string detail) =>
        logger.Line(LogLevel.Debug, 214, "the IKE SA a reauthentication replaced is gone ({Detail})", detail);

    public static void FailingOver(this ILogger logger, IPEndPoint lost, PeerGoneReason reason, string detail, IPEndPoint next)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Line(LogLevel.Warning, 215, "controller {Lost} lost ({Reason}: {Detail}); failing over to {Next} now, group SAs stay until their lifetime ends", lost, reason, PeerText.Escape(detail), next);
        }
    }

    public static void TryingController(this ILogger logger, IPEndPoint controller, int position, int count)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Line(LogLevel.Information, 216, "trying controller {Controller} (address {Position} of {Count})", controller, position, count);
        }
    }

    public static void Closed(this ILogger logger) =>
        logger.Line(LogLevel.Information, 208, "IKE SA closed");

    public static void KernelOperation(this ILogger logger, string operation) =>
        logger.Line(LogLevel.Information, 300, "kernel: {Operation}", operation);

    public static void LeftoversRemoved(this ILogger logger, int count) =>
        logger.Line(LogLevel.Information, 301, "removed {Count} states and policies left by an earlier run", count);

    public static void NoKernel(this ILogger logger, string error) =>
        logger.Line(LogLevel.Critical, 303, "no kernel data plane: {Error} (the agent needs CAP_NET_ADMIN and XFRM; --dry-run runs without)", error);

    public static void NoRoutes(this ILogger logger, int table, string error) =>
        logger.Line(LogLevel.Error, 304, "cannot watch routing table {Table}: {Error}; only static peers are used", table, error);

    public static void RoutesResynced(this ILogger logger, uint table, int count) =>
        logger.Line(LogLevel.Warning, 308, "the kernel dropped route events of table {Table} (too many at once): read the table again, {Count} routes", table, count);

    public static void ChildSaInstalled(this ILogger logger, Mpsa.Netlink.Kernel.KernelOwnership owner) =>
        logger.Line(LogLevel.Information, 305, "CHILD_SA with the controller installed in the kernel ({Owner})", owner);

    public static void ChildSaNotInstalled(this ILogger logger, string error) =>
        logger.Line(LogLevel.Warning, 306, "CHILD_SA with the controller not installed in the kernel: {Error}; keeping the IKE SA", error);

    public static void FilePagesReleased(this ILogger logger, long advisedKb, long beforeKb, long afterKb, string error) =>
        logger.Line(LogLevel.Debug, 307, "handed back the start-up pages of {AdvisedKb} kB of file mappings: RSS {BeforeKb} kB -> {AfterKb} kB (refused: {Error})", advisedKb, beforeKb, afterKb, error);

    public static void HardExpired(this ILogger logger, Mpsa.Netlink.Kernel.XfrmStateId state) =>
        logger.Line(LogLevel.Warning, 302, "the kernel expired state {State} (its hard lifetime, the safety net): the agent's schedule should have replaced it", state);

    public static void ConfigWarning(this ILogger logger, ConfigError warning) =>
        logger.Line(LogLevel.Warning, 400, "{Warning}", warning);

    public static void ReloadRefused(this ILogger logger, ConfigError error) =>
        logger.Line(LogLevel.Error, 401, "reload refused, keeping the running configuration: {Error}", error);

    public static void DataPlaneNeedsRestart(this ILogger logger) =>
        logger.Line(LogLevel.Warning, 404, "the data plane's mode, underlay address or reqid changed: takes effect after a restart (the rest was applied)");

    public static void Reloaded(this ILogger logger) =>
        logger.Line(LogLevel.Information, 402, "configuration reloaded");

    public static void Starting(this ILogger logger, string version, string proposals, string offered) =>
        logger.Line(LogLevel.Information, 403, "mpsa-agent {Version} starting; IKE proposals {Proposals}; this system offers {Offered}", version, proposals, offered);

    public static void Stopped(this ILogger logger, int groupSas, string ikeSa) =>
        logger.Line(LogLevel.Information, 405, "stopped: group SAs taken out of the kernel with their states and the peers' policies: {GroupSas}; {IkeSa}", groupSas, ikeSa);

    public static void GroupSaAccepted(this ILogger logger, EspSpi spi, string outcome, MpsaPut put) =>
        logger.Line(LogLevel.Information, 500, "group SA {Spi} {Outcome}: {Put}", spi, outcome, put);

    public static void GroupSaRejected(this ILogger logger, EspSpi spi, NotifyType notify, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Line(LogLevel.Warning, 501, "group SA {Spi} refused ({Notify} to the controller), keeping what is installed: {Reason}", spi, notify, PeerText.Escape(reason));
        }
    }

    public static void GroupSaFailed(this ILogger logger, EspSpi spi, NotifyType notify, string reason) =>
        logger.Line(LogLevel.Warning, 503, "group SA {Spi} failed after it was accepted ({Notify} reported to the controller): {Reason}", spi, notify, reason);

    public static void GroupSaWarning(this ILogger logger, EspSpi spi, string warning)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Line(LogLevel.Warning, 502, "group SA {Spi}: {Warning}", spi, PeerText.Escape(warning));
        }
    }
}
