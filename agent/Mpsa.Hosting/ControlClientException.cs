namespace Mpsa.Hosting;

/// <summary>
/// The control socket could not be used; the message is meant for the user as it stands
/// ("mpsa-agent is not running (no control socket at /run/mpsa/agent.sock)").
/// </summary>
internal sealed class ControlClientException : Exception
{
    public ControlClientException()
    {
    }

    public ControlClientException(string message)
        : base(message)
    {
    }

    public ControlClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the daemon is simply not running (no socket, or nobody listening on it).</summary>
    public bool NotRunning { get; init; }
}
