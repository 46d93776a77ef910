using Microsoft.Extensions.Logging;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>The state file's log lines (110-115 at start, 506-513 while running). Never keys.</summary>
internal static partial class ControllerLog
{
    [LoggerMessage(EventId = 110, Level = LogLevel.Critical, Message = "cannot start: {Error}")]
    public static partial void StateRefused(this ILogger logger, string error);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "group state kept in {File}, sealed under the state key {Key}{Created}")]
    public static partial void StateOpened(this ILogger logger, string file, string key, string created);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "--reset-state: the old state file is kept as {Kept}; every group gets a new SA (every member rekeys)")]
    public static partial void StateReset(this ILogger logger, string kept);

    [LoggerMessage(EventId = 506, Level = LogLevel.Information, Message = "group {Group}: SA {Spi} fingerprint {Fingerprint} restored from the state file, {Left} left; next SA {Next}")]
    public static partial void GroupSaRestored(this ILogger logger, string group, EspSpi spi, string fingerprint, TimeSpan left, string next);

    [LoggerMessage(EventId = 507, Level = LogLevel.Warning, Message = "group {Group}: the state file's SA is not served again ({Reason}): a new SA, every member rekeys")]
    public static partial void GroupStateNotRestored(this ILogger logger, string group, string reason);

    [LoggerMessage(EventId = 508, Level = LogLevel.Information, Message = "group {Group} is in the state file but no longer configured: its SAs are forgotten")]
    public static partial void GroupStateForgotten(this ILogger logger, string group);

    [LoggerMessage(EventId = 509, Level = LogLevel.Error, Message = "cannot save the group state ({Error}); retry every {Retry} s (this line at most once a minute): a restart before it succeeds would give the groups new SAs")]
    public static partial void StateNotSaved(this ILogger logger, string error, long retry);

    [LoggerMessage(EventId = 510, Level = LogLevel.Information, Message = "group state saved again")]
    public static partial void StateSavedAgain(this ILogger logger);

    [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "group {Group}: rekey postponed, its new SA could not be stored (see above); the current SA stays, retry every {Retry} s (this line at most once a minute)")]
    public static partial void RekeyPostponed(this ILogger logger, string group, long retry);

    [LoggerMessage(EventId = 513, Level = LogLevel.Warning, Message = "group {Group}: rekey overdue, SA {Spi} expires in {Left} s and no next SA exists: {Reason} (this line at most once a minute)")]
    public static partial void RekeyOverdue(this ILogger logger, string group, EspSpi spi, long left, string reason);

    [LoggerMessage(EventId = 512, Level = LogLevel.Information, Message = "cluster: this replica is {What}")]
    public static partial void LeadershipChanged(this ILogger logger, string what);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "cluster: replica {Name}, etcd {Endpoints}, key leader lease {Ttl}")]
    public static partial void ClusterJoined(this ILogger logger, string name, string endpoints, TimeSpan ttl);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "cluster: waiting for the key leader to store the SA of group {Group} ({Detail})")]
    public static partial void WaitingForLeader(this ILogger logger, string group, string detail);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning, Message = "cluster: cannot read the key leader's state from etcd ({Error}); serving the SAs this replica holds (this line at most once a minute)")]
    public static partial void CannotFollowLeader(this ILogger logger, string error);

    [LoggerMessage(EventId = 119, Level = LogLevel.Warning, Message = "cluster: cannot read etcd before serving ({Error}); trying again")]
    public static partial void CannotReadEtcd(this ILogger logger, string error);
}
