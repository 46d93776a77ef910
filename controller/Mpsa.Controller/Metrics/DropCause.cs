namespace Mpsa.Controller.Metrics;

/// <summary>
/// A bounded label for a dropped datagram: the responder's reasons are free text with values in them (message IDs,
/// SPIs), which would make one time series per datagram.
/// </summary>
internal static class DropCause
{
    public static string Of(string reason) => reason switch
    {
        _ when reason.StartsWith("malformed", StringComparison.Ordinal) || reason.StartsWith("shorter", StringComparison.Ordinal)
            => "malformed",
        _ when reason.StartsWith("no IKE SA", StringComparison.Ordinal) => "unknown_sa",
        _ when reason.StartsWith("integrity check failed", StringComparison.Ordinal) => "integrity",
        _ when reason.StartsWith("retransmitted request", StringComparison.Ordinal)
            || reason.StartsWith("IKE_SA_INIT repeated", StringComparison.Ordinal)
            || reason.StartsWith("stale request", StringComparison.Ordinal)
            || reason.Contains("still being carried out", StringComparison.Ordinal) => "retransmission",
        _ when reason.Contains("KE value is invalid", StringComparison.Ordinal) => "invalid_ke",
        _ => "unexpected",
    };

    /// <summary>The Notify of "IKE_SA_INIT refused with NO_PROPOSAL_CHOSEN: ..." in lower case, else null.</summary>
    public static string? SaInitRefusal(string reason)
    {
        const string prefix = "IKE_SA_INIT refused with ";
        if (!reason.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        int end = reason.IndexOf(':', prefix.Length);
        string notify = end < 0 ? reason[prefix.Length..] : reason[prefix.Length..end];
        return notify.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? notify.ToLowerInvariant() : "other";
    }
}
