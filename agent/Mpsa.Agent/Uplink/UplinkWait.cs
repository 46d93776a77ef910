using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Mpsa.Agent.Uplink;

/// <summary>
/// At start, before any socket (blocking the starting thread): a router often starts the agent before PPPoE or DHCP gave the WAN an address. Then the
/// agent logs what is missing (again only when that changes), sleeps until an address or route changes (rtnetlink, <c>watch</c>), asks again, and
/// returns as soon as the controller can be reached. No busy retry: besides the events, one recheck each
/// <c>recheck</c> in case an event was missed, or each <c>poll</c> when the changes cannot be watched.
/// </summary>
internal static class UplinkWait
{
    /// <summary>The address IKE leaves from, or null when <paramref name="stop"/> came first.</summary>
    /// <param name="watch">Starts calling its argument on every address or route change; null when it cannot (then only the rechecks).</param>
    public static IPAddress? UntilUp(Func<UplinkState> probe, Func<Action, IDisposable?> watch, ILogger log, TimeSpan recheck,
        TimeSpan poll, CancellationToken stop)
    {
        var state = probe();
        if (state.IsUp)
        {
            return state.Source;
        }
        string said = state.Missing!;
        log.WaitingForUplink(said);
        long since = Stopwatch.GetTimestamp();
        using var changed = new SemaphoreSlim(0);
        using var monitor = watch(() => changed.Release());
        var wait = monitor is null ? poll : recheck;
        while (true)
        {
            state = probe();   // again once the monitor listens: a change between the first probe and it is not lost
            if (state.IsUp)
            {
                if (log.IsEnabled(LogLevel.Information))
                {
                    log.UplinkUp(state.Source!, Stopwatch.GetElapsedTime(since).TotalSeconds);
                }
                return state.Source;
            }
            if (state.Missing is { } missing && missing != said)
            {
                said = missing;   // something else is missing now (a reload named another controller address)
                log.WaitingForUplink(said);
            }
            try
            {
                changed.Wait(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            while (changed.Wait(0, CancellationToken.None))
            {
                // a burst of events is one change to look at
            }
        }
    }
}
