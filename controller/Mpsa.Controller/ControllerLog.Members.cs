using Microsoft.Extensions.Logging;

namespace Mpsa.Controller;

/// <summary>The member directory in etcd and the fleet records (404-409). Never a PSK.</summary>
internal static partial class ControllerLog
{
    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "member directory read: {Directory} members in etcd, {Members} members in all")]
    public static partial void DirectoryRead(this ILogger logger, int directory, int members);

    [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "member {Member} of the directory is ignored: {Reason}")]
    public static partial void DirectoryMemberIgnored(this ILogger logger, string member, string reason);

    [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "member directory: {Problem}")]
    public static partial void DirectoryProblem(this ILogger logger, string problem);

    [LoggerMessage(EventId = 407, Level = LogLevel.Warning, Message = "cannot read the member directory ({Error}); the members read before stay (this line at most once a minute)")]
    public static partial void CannotReadDirectory(this ILogger logger, string error);

    [LoggerMessage(EventId = 408, Level = LogLevel.Warning, Message = "cannot record this replica's members in etcd ({Error}); other replicas' status misses them until it can (this line at most once a minute)")]
    public static partial void CannotRecordFleet(this ILogger logger, string error);
}
