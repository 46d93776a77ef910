namespace Mpsa.Agent.Supervisor;

/// <summary>Where the agent stands with its controller.</summary>
internal enum ConnectionState
{
    /// <summary>Backing off before the next attempt.</summary>
    Waiting,

    /// <summary>IKE_SA_INIT / IKE_AUTH in progress.</summary>
    Connecting,

    /// <summary>IKE SA established.</summary>
    Connected,

    /// <summary>Closed for good (shutdown).</summary>
    Closed,
}
