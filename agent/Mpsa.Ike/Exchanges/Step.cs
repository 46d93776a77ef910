using System.Net;

namespace Mpsa.Ike.Exchanges;

/// <summary>A datagram for the transport to send.</summary>
public readonly record struct Outgoing(IPEndPoint To, byte[] Datagram);

/// <summary>What one input produced: datagrams to send and events for the daemon.</summary>
public sealed record Step(IReadOnlyList<Outgoing> Send, IReadOnlyList<IkeEvent> Events)
{
    public static readonly Step None = new([], []);
}

/// <summary>Collects the output of one call into a state machine.</summary>
internal sealed class StepBuilder
{
    private List<Outgoing>? _send;
    private List<IkeEvent>? _events;

    public void Send(IPEndPoint to, byte[] datagram) => (_send ??= []).Add(new Outgoing(to, datagram));

    public void Emit(IkeEvent e) => (_events ??= []).Add(e);

    public Step Build() => _send is null && _events is null ? Step.None : new Step(_send ?? [], _events ?? []);
}
