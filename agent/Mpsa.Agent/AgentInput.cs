using System.Net;

namespace Mpsa.Agent;

/// <summary>What wakes the agent's driver loop besides a deadline.</summary>
internal abstract record AgentInput
{
    public sealed record Datagram(byte[] Bytes, IPEndPoint From) : AgentInput;

    public sealed record Command(string Text, TaskCompletionSource<string> Reply) : AgentInput;

    public sealed record Reload : AgentInput;
}
