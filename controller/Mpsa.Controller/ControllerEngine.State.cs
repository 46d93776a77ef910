using Mpsa.Controller.Groups;
using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>The groups' key state in the state file: written after every change (a new SA, a rollover's end, a group
/// added or removed) and before the engine's answer goes out, so no member ever holds an SA a restart would forget.</summary>
internal sealed partial class ControllerEngine
{
    private static readonly TimeSpan StateSaveRetry = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan StateErrorLogInterval = TimeSpan.FromMinutes(1);

    private bool _groupsRemoved;
    private MonoTime _nextSaveErrorLog, _nextRekeyPostponedLog;   // each at most once a minute while the store is down
    private MonoTime? _stateSaveRetryAt;

    /// <summary>When a failed write of the state file is tried again (a replica that stopped leading writes nothing).</summary>
    private MonoTime? NextStateSave => _state is { CanWrite: true } ? _stateSaveRetryAt : null;

    private void SaveStateIfChanged(MonoTime now)
    {
        if (_state is null || !_state.CanWrite || (_stateSaveRetryAt is { } retry && now < retry) || !StateChanged())
        {
            return;
        }
        SaveState(now);
    }

    /// <summary>Writes every group's state now; false (logged, retried in 10 s) when it cannot.</summary>
    private bool SaveState(MonoTime now)
    {
        var groups = new List<StoredGroup>(_groups.Count);
        try
        {
            foreach (var g in _groups.Values)
            {
                groups.Add(g.ToStored());
            }
            _state!.Save(groups, now);
            foreach (var g in _groups.Values)
            {
                g.MarkSaved();
            }
            _groupsRemoved = false;
            _storeError = null;
            if (_stateSaveRetryAt is not null)
            {
                _stateSaveRetryAt = null;
                _nextSaveErrorLog = _nextRekeyPostponedLog = now;
                _log.StateSavedAgain();
            }
            return true;
        }
        catch (StateException e)
        {
            _stateSaveRetryAt = now + StateSaveRetry;
            _storeError = e.Message;
            if (now >= _nextSaveErrorLog)
            {
                _nextSaveErrorLog = now + StateErrorLogInterval;
                _log.StateNotSaved(e.Message, (long)StateSaveRetry.TotalSeconds);
            }
            return false;
        }
        finally
        {
            foreach (var g in groups)
            {
                g.Dispose();
            }
        }
    }

    /// <summary>A rekey's new SA, stored before any member hears of it where the store demands it (a cluster); a rekey
    /// whose SA cannot be stored there is abandoned (the current SA stays) and tried again in 10 s.</summary>
    private bool StoreNewSa(GroupKeyManager group, MonoTime now)
    {
        if (_state is not { MustStoreBeforePush: true } || SaveState(now))
        {
            group.RekeyStored();
            return true;
        }
        group.AbandonRekey(now + StateSaveRetry);
        if (now >= _nextRekeyPostponedLog)
        {
            _nextRekeyPostponedLog = now + StateErrorLogInterval;
            _log.RekeyPostponed(group.Config.Name, (long)StateSaveRetry.TotalSeconds);
        }
        return false;
    }

    private bool StateChanged()
    {
        if (_groupsRemoved)
        {
            return true;
        }
        foreach (var g in _groups.Values)
        {
            if (g.Dirty)
            {
                return true;
            }
        }
        return false;
    }

    private void ForgetUnconfiguredGroups(ControllerSettings settings)
    {
        if (_state is null)
        {
            return;
        }
        foreach (var name in _state.Restored.Keys)
        {
            if (!settings.Groups.ContainsKey(name))
            {
                _log.GroupStateForgotten(name);
                _groupsRemoved = true;
            }
        }
    }
}
