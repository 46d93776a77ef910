using Mpsa.Controller.Cluster;
using Mpsa.Controller.State;

namespace Mpsa.Controller;

/// <summary>
/// A replica's part in the fleet-wide view: the member directory read from etcd every second (members added or removed
/// with `mpsa-controller member`), and this replica's connected members recorded in etcd every two seconds, so that
/// `status` on any replica shows every member and where it is connected.
/// </summary>
internal sealed partial class ControllerDaemon
{
    private static readonly TimeSpan DirectoryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FleetInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProblemLogInterval = TimeSpan.FromMinutes(1);

    private string? _replicaName;
    private EtcdFleetRecords? _fleetRecords;

    /// <summary>Reads the directory now (so members are known before the first datagram), then whenever it changed.</summary>
    private async Task WatchDirectoryAsync(EtcdMemberDirectory directory, CancellationToken stop)
    {
        var nextErrorLog = DateTime.MinValue;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        bool first = true;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var problems = new List<string>();
                if ((first ? directory.ReadAll(problems) : directory.ReadIfChanged(problems)) is { } members)
                {
                    _loop.Post(new ControllerInput.Directory(members));
                    foreach (var p in problems.Where(reported.Add))
                    {
                        _log.DirectoryProblem(p);
                    }
                }
                first = false;
            }
            catch (StateException e) when (DateTime.UtcNow >= nextErrorLog)
            {
                nextErrorLog = DateTime.UtcNow + ProblemLogInterval;
                _log.CannotReadDirectory(e.Message);
            }
            catch (StateException)
            {
            }
            try
            {
                await Task.Delay(DirectoryInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Records this replica's members under its lease (once it has one); etcd down: tried again, logged once a minute.</summary>
    private async Task RecordFleetAsync(EtcdFleetRecords records, KeyLeadership leadership, CancellationToken stop)
    {
        var nextErrorLog = DateTime.MinValue;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FleetInterval, stop).ConfigureAwait(false);
                if (leadership.Lease == 0)
                {
                    continue;
                }
                var entries = await _loop.AskAsync<List<FleetEntry>>(reply => new ControllerInput.FleetWanted(reply), stop).ConfigureAwait(false);
                records.Write(entries, leadership.Lease);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (StateException e) when (DateTime.UtcNow >= nextErrorLog)
            {
                nextErrorLog = DateTime.UtcNow + ProblemLogInterval;
                _log.CannotRecordFleet(e.Message);
            }
            catch (StateException)
            {
            }
        }
    }

    /// <summary>Every replica's members for `status` (null when standalone); etcd down: this replica's own, and why.</summary>
    private async Task<FleetView?> ReadFleetAsync()
    {
        if (_fleetRecords is not { } records || _replicaName is not { } replica)
        {
            return null;
        }
        try
        {
            return new FleetView(replica, await Task.Run(records.ReadAll).ConfigureAwait(false), null);
        }
        catch (StateException e)
        {
            return new FleetView(replica, [], e.Message);
        }
    }
}
