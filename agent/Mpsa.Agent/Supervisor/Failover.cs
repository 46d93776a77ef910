using System.Net;

namespace Mpsa.Agent.Supervisor;

/// <summary>
/// Which controller replica the next attempt goes to (<c>address = a, b, c</c>): after a failure the next one in the
/// list, cyclic, so a dead replica is not tried first again. Within a round the next one is tried at once; the backoff
/// comes once per full round through the list.
/// </summary>
internal sealed class Failover(IReadOnlyList<IPEndPoint> addresses, Backoff backoff)
{
    private int _failedThisRound;

    public IReadOnlyList<IPEndPoint> Addresses => addresses;

    /// <summary>Where the current (or next) attempt goes.</summary>
    public IPEndPoint Current => addresses[Index];

    /// <summary>The position of <see cref="Current"/> in the list, from 0.</summary>
    public int Index { get; private set; }

    /// <summary>Full rounds that failed since the last connection (the backoff's step).</summary>
    public int Failures => backoff.Failures;

    /// <summary>The current address failed or was lost: moves on to the next and tells how long to wait before it.</summary>
    public TimeSpan Failed()
    {
        Index = (Index + 1) % addresses.Count;
        if (++_failedThisRound < addresses.Count)
        {
            return TimeSpan.Zero;
        }
        _failedThisRound = 0;
        return backoff.Next();
    }

    /// <summary>Connected: the next loss starts a new round, with the shortest backoff.</summary>
    public void Connected()
    {
        _failedThisRound = 0;
        backoff.Reset();
    }

    /// <summary>The same list with a new backoff (a reload that kept it): the position stays.</summary>
    public Failover With(Backoff next) => new(addresses, next) { Index = Index, _failedThisRound = _failedThisRound };
}
