using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>
/// Every log line of the controller. EventIds: 1xx transport and start, 2xx IKE, 4xx config, 5xx groups, rekey and their state. Never keys.
/// Text a peer chose (identities, certificate names, why it was refused) goes out through a public method that escapes
/// it (<see cref="PeerText"/>) before the generated <c>...Line</c> method formats it, so no peer can break or forge a line.
/// </summary>
internal static partial class ControllerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "listening on {Endpoint}")]
    public static partial void Listening(this ILogger logger, IPEndPoint endpoint);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "cannot listen on {Endpoint} for NAT traversal ({Error}): members behind a NAT cannot connect; natt = no stops trying")]
    public static partial void NoNatTraversalListen(this ILogger logger, IPEndPoint endpoint, string error);

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "the initiator at {Peer} sent no IKE_AUTH after our IKE_SA_INIT answer, which carried NAT detection: it has most likely moved to port 4500 (RFC 7296 2.23), where this controller does not listen (natt = no, or 4500 could not be bound); said once per address")]
    public static partial void InitiatorMovedTo4500(this ILogger logger, IPEndPoint peer);

    [LoggerMessage(EventId = 117, Level = LogLevel.Debug, Message = "HMAC-SHA-256 on {Library}")]
    public static partial void HmacOn(this ILogger logger, string library);

    [LoggerMessage(EventId = 103, Level = LogLevel.Critical, Message = "cannot listen: {Error}")]
    public static partial void CannotListen(this ILogger logger, string error);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void ConfigWarning(this ILogger logger, ConfigError warning);

    public static void Dropped(this ILogger logger, IPEndPoint from, string reason)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.DroppedLine(from, PeerText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "dropped datagram from {From}: {Reason}")]
    private static partial void DroppedLine(this ILogger logger, IPEndPoint from, string reason);

    public static void LimitReached(this ILogger logger, string limit, IPEndPoint from, string detail, long suppressed)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.LimitReachedLine(limit, from, PeerText.Escape(detail), suppressed);
        }
    }

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "limit {Limit} reached: dropped a datagram from {From} ({Detail}); {Suppressed} more dropped since the last such line")]
    private static partial void LimitReachedLine(this ILogger logger, string limit, IPEndPoint from, string detail, long suppressed);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "receive queue full (max_pending_requests {Max}): the kernel dropped {Count} datagrams")]
    public static partial void QueueFull(this ILogger logger, int max, long count);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "IKE_SA_INIT key exchange failed on the crypto thread: {Error}")]
    public static partial void SaInitFailed(this ILogger logger, string error);

    [LoggerMessage(EventId = 224, Level = LogLevel.Information, Message = "member {Member} moved its IKE SA {SpiR} from {From} to {To}{How}")]
    public static partial void MemberMoved(this ILogger logger, string member, IkeSpi spiR, IPEndPoint from, IPEndPoint to, string how);

    public static void MemberGone(this ILogger logger, string member, IPEndPoint address, PeerGoneReason reason, string detail)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.MemberGoneLine(member, address, reason, PeerText.Escape(detail));
        }
    }

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "member {Member}: IKE SA rekeyed, {OldSpi} -> {NewSpi} {Suite}")]
    public static partial void MemberRekeyed(this ILogger logger, string member, IkeSpi oldSpi, IkeSpi newSpi, Ike.Crypto.IkeSuite suite);

    /// <summary>A rekey of ours with a member that did not happen (retried later), or the member's that we refused.</summary>
    public static void MemberRekeyFailed(this ILogger logger, string member, string what, bool membersRekey, NotifyType? notify, string reason)
    {
        if (membersRekey && logger.IsEnabled(LogLevel.Information))
        {
            logger.MemberRekeyRefused(member, what, notify?.ToString() ?? "none", reason);
        }
        else if (!membersRekey && logger.IsEnabled(LogLevel.Warning))
        {
            logger.OwnRekeyFailed(member, what, notify?.ToString() ?? "none", reason);
        }
    }

    [LoggerMessage(EventId = 222, Level = LogLevel.Warning, Message = "member {Member}: {What} rekey did not happen (notification {Notify}): {Reason}; the current one stays, retry in 30 s")]
    private static partial void OwnRekeyFailed(this ILogger logger, string member, string what, string notify, string reason);

    [LoggerMessage(EventId = 223, Level = LogLevel.Information, Message = "member {Member}: its {What} rekey did not happen (notification {Notify}): {Reason}; the current one stays")]
    private static partial void MemberRekeyRefused(this ILogger logger, string member, string what, string notify, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "member {Member} ({Address}) gone: {Reason}, {Detail}")]
    private static partial void MemberGoneLine(this ILogger logger, string member, IPEndPoint address, PeerGoneReason reason, string detail);

    public static void MemberCertificateRefused(this ILogger logger, string member, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.MemberCertificateRefusedLine(member, PeerText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "member {Member}: its certificate no longer passes ({Reason}): deleting its IKE SA")]
    private static partial void MemberCertificateRefusedLine(this ILogger logger, string member, string reason);

    /// <summary>Through <see cref="LimitLog.Refused"/>: at most one line per address and interval.</summary>
    public static void PeerRefused(this ILogger logger, IPEndPoint address, string detail)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.PeerRefusedLine(address, PeerText.Escape(detail));
        }
    }

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "peer {Address} refused: {Detail}")]
    private static partial void PeerRefusedLine(this ILogger logger, IPEndPoint address, string detail);

    public static void PeerRefusedAgain(this ILogger logger, IPEndPoint address, string detail, long suppressed, long seconds)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.PeerRefusedAgainLine(address, PeerText.Escape(detail), suppressed, seconds);
        }
    }

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning,
        Message = "peer {Address} refused: {Detail} ({Suppressed} more refusals of its address not logged: one line per {Seconds} s)")]
    private static partial void PeerRefusedAgainLine(this ILogger logger, IPEndPoint address, string detail, long suppressed, long seconds);

    // Debug: a member's connect is one info line (200), plus 302 when its CHILD_SA goes into the kernel (or a warning when
    // that fails); this second line per setup was a tenth of the controller's CPU in a handshake storm.
    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "member {Member}: {ChildSa} negotiated")]
    public static partial void ChildSaNegotiated(this ILogger logger, string member, Ike.Exchanges.ChildSa childSa);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "member {Member}: CHILD_SA not established ({Reason}); the IKE SA stays up")]
    public static partial void ChildSaFailed(this ILogger logger, string member, NotifyType reason);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "member {Member} deleted {Count} CHILD_SA(s); its IKE SA stays up")]
    public static partial void ChildSaDeleted(this ILogger logger, string member, int count);

    [LoggerMessage(EventId = 215, Level = LogLevel.Debug, Message = "member {Member}: the CHILD_SA a rekey replaced is gone")]
    public static partial void ReplacedChildSaGone(this ILogger logger, string member);

    [LoggerMessage(EventId = 216, Level = LogLevel.Information, Message = "member {Member} reauthenticated: IKE SA {NewSpi} replaces {OldSpi}, which the member deletes")]
    public static partial void MemberReauthenticated(this ILogger logger, string member, IkeSpi oldSpi, IkeSpi newSpi);

    [LoggerMessage(EventId = 217, Level = LogLevel.Debug, Message = "member {Member}: the IKE SA {Spi} a reauthentication replaced is gone ({Detail})")]
    public static partial void ReplacedIkeSaGone(this ILogger logger, string member, IkeSpi spi, string detail);

    [LoggerMessage(EventId = 218, Level = LogLevel.Warning, Message = "member {Member} did not reauthenticate within {ReauthTime} (reauth_time, sent as AUTH_LIFETIME): deleting its IKE SA")]
    public static partial void ReauthenticationOverdue(this ILogger logger, string member, TimeSpan reauthTime);

    [LoggerMessage(EventId = 219, Level = LogLevel.Warning, Message = "member {Member} kept the IKE SA {Spi} a reauthentication replaced: deleting it")]
    public static partial void ReplacedIkeSaKept(this ILogger logger, string member, IkeSpi spi);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "member {Member}: the kernel expired CHILD_SA state {State} (its hard lifetime, the safety net): the rekey should have replaced it")]
    public static partial void ChildSaHardExpired(this ILogger logger, string member, string state);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "member {Member} connected again: its older IKE SA {SpiR} is forgotten")]
    public static partial void MemberReplaced(this ILogger logger, string member, IkeSpi spiR);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "member {Member} acknowledged SPI {Spis}")]
    public static partial void Acknowledged(this ILogger logger, string member, EspSpi spis);

    [LoggerMessage(EventId = 220, Level = LogLevel.Debug, Message = "member {Member} holds its first group SA {Spi} {Milliseconds} ms after its IKE_AUTH")]
    public static partial void FirstSaHeld(this ILogger logger, string member, EspSpi spi, long milliseconds);

    [LoggerMessage(EventId = 221, Level = LogLevel.Debug, Message = "member {Member}: IKE SA without a CHILD_SA (it asked for none, RFC 6023)")]
    public static partial void Childless(this ILogger logger, string member);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "member {Member} refused group SA {Spi} with {Error} ({Reason}); it does not hold it{Retry}")]
    public static partial void PutRefused(this ILogger logger, string member, EspSpi spi, NotifyType error, string reason, string retry);

    [LoggerMessage(EventId = 214, Level = LogLevel.Debug, Message = "member {Member} refused group SA {Spi} again with {Error} ({Count} times)")]
    public static partial void PutRefusedAgain(this ILogger logger, string member, EspSpi spi, NotifyType error, int count);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "member {Member} now holds group SA {Spi} it had refused")]
    public static partial void PutAcceptedAfterRefusal(this ILogger logger, string member, EspSpi spi);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "member {Member} removed from the {Source}: deleting its IKE SA")]
    public static partial void MemberRemoved(this ILogger logger, string member, string source);

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "configuration reloaded: {Groups} groups, {Members} members")]
    public static partial void Reloaded(this ILogger logger, int groups, int members);

    [LoggerMessage(EventId = 401, Level = LogLevel.Error, Message = "reload refused, keeping the running configuration: {Error}")]
    public static partial void ReloadRefused(this ILogger logger, string error);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "{What} changed: takes effect after a restart")]
    public static partial void NeedsRestart(this ILogger logger, string what);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "group {Group}: SA {Spi} {Suite} fingerprint {Fingerprint}, lifetime {Lifetime}")]
    public static partial void GroupSaCreated(this ILogger logger, string group, EspSpi spi, Ike.Crypto.EspSuite suite, string fingerprint, TimeSpan lifetime);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "group {Group}: rekey to SA {Spi} ({Reason}), pushing to {Members} members")]
    public static partial void RekeyStarted(this ILogger logger, string group, EspSpi spi, string reason, int members);

    [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "group {Group}: all {Members} members acknowledged SA {Spi} in {Elapsed} ms")]
    public static partial void RekeyComplete(this ILogger logger, string group, int members, EspSpi spi, long elapsed);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "group {Group}: all {Members} members answered SA {Spi} in {Elapsed} ms; {Refused} refused it")]
    public static partial void RekeyAnsweredWithRefusals(this ILogger logger, string group, int members, EspSpi spi, long elapsed, int refused);

    [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "group {Group}: {Count} members had not acknowledged SA {Spi} at ROLL1: {Members}")]
    public static partial void RekeyLate(this ILogger logger, string group, int count, EspSpi spi, string members);

    public static void RekeyMissed(this ILogger logger, string group, string member, EspSpi spi, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.RekeyMissedLine(group, member, spi, PeerText.Escape(reason));
        }
    }

    [LoggerMessage(EventId = 504, Level = LogLevel.Warning, Message = "group {Group}: member {Member} did not acknowledge SA {Spi}: {Reason}")]
    private static partial void RekeyMissedLine(this ILogger logger, string group, string member, EspSpi spi, string reason);

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "kernel: {Operation}")]
    public static partial void KernelOperation(this ILogger logger, string operation);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "removed {Count} states and policies left by an earlier run")]
    public static partial void LeftoversRemoved(this ILogger logger, int count);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "member {Member}: CHILD_SA in={InboundSpi:x8} out={OutboundSpi:x8} installed in the kernel")]
    public static partial void ChildSaInstalled(this ILogger logger, string member, uint inboundSpi, uint outboundSpi);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "member {Member}: CHILD_SA not installed in the kernel: {Error}; keeping the IKE SA (later refusals are logged at debug)")]
    public static partial void ChildSaNotInstalled(this ILogger logger, string member, string error);

    [LoggerMessage(EventId = 304, Level = LogLevel.Debug, Message = "member {Member}: CHILD_SA not installed in the kernel: {Error}; keeping the IKE SA")]
    public static partial void ChildSaNotInstalledAgain(this ILogger logger, string member, string error);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "CHILD_SAs are not installed in the kernel: {Error}")]
    public static partial void NoKernel(this ILogger logger, string error);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "the kernel has no ESP for {Family} (EPROTONOSUPPORT): members' CHILD_SAs are not installed, and it is asked again every {Seconds} s (load esp4 / esp6, or set install_child_sa = no)")]
    public static partial void KernelHasNoEsp(this ILogger logger, string family, int seconds);

    [LoggerMessage(EventId = 308, Level = LogLevel.Information, Message = "the kernel takes {Family} CHILD_SAs again")]
    public static partial void KernelTakesEspAgain(this ILogger logger, string family);
}
