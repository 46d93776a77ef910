using System.Net;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent.Supervisor;

/// <summary>
/// NAT keepalives (RFC 3948 §2.3): while a NAT is on the IKE SA's path, one octet 0xFF goes to the controller's port 4500
/// whenever nothing else went to the controller for <see cref="Interval"/>, so that the NAT keeps the mapping the
/// controller's requests and the CHILD_SA's ESP come back through, however long the liveness interval.
/// </summary>
internal sealed class NatKeepalive
{
    /// <summary>As strongSwan's default (keep_alive = 20s): under the 30 s a NAT may give an unanswered UDP flow.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(20);

    private static readonly byte[] Datagram = [NatDetection.KeepaliveOctet];

    private MonoTime _lastSent;

    /// <summary>Something went to the controller.</summary>
    public void Sent(MonoTime now) => _lastSent = now;

    /// <summary>When the next keepalive is due towards <paramref name="to"/> (null: no NAT on the path, none).</summary>
    public MonoTime? NextDeadline(IPEndPoint? to) => to is null ? null : _lastSent + Interval;

    /// <summary>The keepalive when one is due now.</summary>
    public Outgoing? Take(IPEndPoint? to, MonoTime now)
    {
        if (to is null || now < _lastSent + Interval)
        {
            return null;
        }
        _lastSent = now;
        return new Outgoing(to, Datagram);
    }
}
