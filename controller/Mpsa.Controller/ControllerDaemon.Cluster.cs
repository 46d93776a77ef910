using Microsoft.Extensions.Logging;
using Mpsa.Controller.Cluster;
using Mpsa.Controller.State;
using Mpsa.Hosting;

namespace Mpsa.Controller;

/// <summary>
/// `mpsa-controller run` with a <c>[cluster]</c> section: the groups' SAs in etcd under the state key, one replica the key
/// leader (<see cref="KeyLeadership"/>). Before serving, a replica waits until the leader has stored every group's SA
/// (or leads itself); then the others read the leader's state every second and push what is new to their members.
/// </summary>
internal sealed partial class ControllerDaemon
{
    private static readonly TimeSpan EtcdTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    private static async Task<int> RunReplicaAsync(string configPath, ControllerSettings settings, ClusterSettings cluster, ILoggerFactory logs,
        ILogger log, SignalHandling signals, CancellationToken stop)
    {
        StateKey key;
        try
        {
            key = StateKey.Read(settings.StateKeyFile);
        }
        catch (StateException e) when (!File.Exists(settings.StateKeyFile))
        {
            string message = $"{e.Message}; in a cluster every replica needs the same state key: copy it from another replica, "
                + $"or make the first with `openssl rand -hex 32 > {settings.StateKeyFile}; chmod 600 {settings.StateKeyFile}`";
            log.StateRefused(message);
            return ExitStateRefused;
        }
        catch (StateException e)
        {
            log.StateRefused(e.Message);
            return ExitStateRefused;
        }
        using (key)
        using (var etcd = EtcdConnection.Open(cluster))
        using (var leadership = new KeyLeadership(etcd, cluster.Prefix.TrimEnd('/') + "/leader", cluster.Name, cluster.LeaseTtl))
        {
            string endpoints = string.Join(", ", cluster.Etcd);
            log.ClusterJoined(cluster.Name, endpoints, cluster.LeaseTtl);
            var campaign = Task.Run(leadership.RunAsync, CancellationToken.None);   // ends when leadership is disposed
            var store = new EtcdGroupStore(etcd, cluster.Prefix, key, leadership, EtcdTimeout);
            // A reload while waiting (SIGHUP) is kept by `signals` and carried out once the daemon runs.
            bool ready = await WaitForLeaderAsync(store, leadership, settings, log, stop).ConfigureAwait(false);
            if (!ready)
            {
                leadership.Dispose();
                await campaign.ConfigureAwait(false);
                return 0;
            }
            int code;
            using (var daemon = new ControllerDaemon(configPath, settings, log, store))
            {
                daemon._engine.SetLeading(leadership.IsLeader);
                leadership.Changed += leading => daemon._loop.Post(new ControllerInput.Leadership(leading));
                daemon._replicaName = cluster.Name;
                daemon._fleetRecords = new EtcdFleetRecords(etcd, cluster.Prefix, cluster.Name, EtcdTimeout);
                var directory = new EtcdMemberDirectory(etcd, cluster.Prefix, key, EtcdTimeout);
                using var stopFollowing = new CancellationTokenSource();
                var follow = Task.WhenAll(
                    daemon.FollowAsync(store, leadership, stopFollowing.Token),
                    daemon.WatchDirectoryAsync(directory, stopFollowing.Token),   // its first read before the first datagram
                    Task.Run(() => daemon.RecordFleetAsync(daemon._fleetRecords, leadership, stopFollowing.Token), CancellationToken.None));
                code = await daemon.RunAsync(settings, logs, signals, stop).ConfigureAwait(false);
                await stopFollowing.CancelAsync().ConfigureAwait(false);
                await follow.ConfigureAwait(false);
            }
            leadership.Dispose();
            await campaign.ConfigureAwait(false);
            return code;
        }
    }

    /// <summary>Reads etcd until it holds every configured group's SA, or this replica leads (and will make them);
    /// false when stopped first. etcd unreachable: logged, and tried again.</summary>
    private static async Task<bool> WaitForLeaderAsync(EtcdGroupStore store, KeyLeadership leadership, ControllerSettings settings, ILogger log,
        CancellationToken stop)
    {
        string? reported = null;
        while (!stop.IsCancellationRequested)
        {
            string? missing, error = null;
            try
            {
                var groups = store.Restore(Now);
                missing = settings.Groups.Keys.FirstOrDefault(g => !groups.ContainsKey(g));
            }
            catch (StateException e)
            {
                missing = error = e.Message;
            }
            if (missing is null || leadership.IsLeader)
            {
                return true;
            }
            if (reported != missing)
            {
                reported = missing;
                if (error is not null)
                {
                    log.CannotReadEtcd(error);   // etcd down, or refusing this replica (its CA, certificate or password)
                }
                else
                {
                    log.WaitingForLeader(missing, "no SA in etcd yet, and this replica does not lead");
                }
            }
            try
            {
                await Task.Delay(FollowInterval / 2, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return false;
    }

    /// <summary>While this replica does not lead: the leader's state, when it changed, to the loop (checked every second).</summary>
    private async Task FollowAsync(EtcdGroupStore store, KeyLeadership leadership, CancellationToken stop)
    {
        var nextErrorLog = DateTime.MinValue;
        string? failing = null;   // the engine was told etcd cannot be read, and why
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FollowInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (leadership.IsLeader)
            {
                continue;
            }
            try
            {
                if (store.ReadIfChanged(Now) is { } groups)
                {
                    _loop.Post(new ControllerInput.ClusterState(groups));
                }
                if (failing is not null)
                {
                    failing = null;
                    _loop.Post(new ControllerInput.FollowFailed(null));
                }
            }
            catch (StateException e)
            {
                if (failing != e.Message)
                {
                    failing = e.Message;
                    _loop.Post(new ControllerInput.FollowFailed(e.Message));
                }
                if (DateTime.UtcNow >= nextErrorLog)
                {
                    nextErrorLog = DateTime.UtcNow + TimeSpan.FromMinutes(1);
                    _log.CannotFollowLeader(e.Message);
                }
            }
        }
    }
}
