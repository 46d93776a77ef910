namespace Mpsa.Controller.State;

/// <summary>A state file or key file that cannot be used; the message names the file and what is wrong.</summary>
internal sealed class StateException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The end of a message about a state file that cannot be read.</summary>
    public const string ResetHint = "; to start with new group SAs instead (every member rekeys), run once with --reset-state";
}
