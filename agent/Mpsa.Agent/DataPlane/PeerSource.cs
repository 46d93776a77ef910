namespace Mpsa.Agent.DataPlane;

/// <summary>How the agent learned of a peer; a peer stays while any source still names it.</summary>
internal enum PeerSource
{
    Static,
    Route,
    Acquire,
}
