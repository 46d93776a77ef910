using System.Net;

namespace Mpsa.Agent;

/// <summary>What wakes the agent's driver loop besides a deadline.</summary>
internal abstract record AgentInput
{
    public sealed record Datagram(byte[] Bytes, IPEndPoint From) : AgentInput;

    public sealed record Command(string Text, TaskCompletionSource<string> Reply) : AgentInput;

    public sealed record Reload : AgentInput;

    /// <summary>An expire or acquire event from XFRM, or a route change in the watched table (from the kernel's listener threads).</summary>
    public sealed record Kernel(object Event) : AgentInput;

    /// <summary>The kernel dropped route events (socket full): the watched table is read again.</summary>
    public sealed record RoutesLost(uint Table) : AgentInput;

    /// <summary>An address or route came or went (rtnetlink): the address IKE leaves from is looked at again.</summary>
    public sealed record UplinkChanged : AgentInput;

    /// <summary>A re-read table still has route changes to apply: the next slice, after whatever came in meanwhile.</summary>
    public sealed record RoutesPending : AgentInput;
}
