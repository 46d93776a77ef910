using Microsoft.Extensions.Logging;

namespace Mpsa.Controller;

internal static partial class ControllerLog
{
    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "serving metrics on {Url}")]
    public static partial void ServingMetrics(this ILogger logger, string url);

    [LoggerMessage(EventId = 108, Level = LogLevel.Critical, Message = "cannot serve metrics on {Url}: {Error}")]
    public static partial void CannotServeMetrics(this ILogger logger, string url, string error);
}
