using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>The groups' key state in the state file: written after every change (a new SA, a rollover's end, a group
/// added or removed) and before the engine's answer goes out, so no member ever holds an SA a restart would forget.</summary>
internal sealed partial class ControllerEngine
{
    private static readonly TimeSpan StateSaveRetry = TimeSpan.FromSeconds(10);

    private bool _groupsRemoved;
    private MonoTime? _stateSaveRetryAt;

    /// <summary>When a failed write of the state file is tried again.</summary>
    private MonoTime? NextStateSave => _stateSaveRetryAt;

    private void SaveStateIfChanged(MonoTime now)
    {
        if (_state is null || (_stateSaveRetryAt is { } retry && now < retry) || !StateChanged())
        {
            return;
        }
        var groups = new List<StoredGroup>(_groups.Count);
        try
        {
            foreach (var g in _groups.Values)
            {
                groups.Add(g.ToStored());
            }
            _state.Save(groups, now);
            foreach (var g in _groups.Values)
            {
                g.MarkSaved();
            }
            _groupsRemoved = false;
            if (_stateSaveRetryAt is not null)
            {
                _stateSaveRetryAt = null;
                _log.StateSavedAgain();
            }
        }
        catch (StateException e)
        {
            _stateSaveRetryAt = now + StateSaveRetry;
            _log.StateNotSaved(e.Message, (long)StateSaveRetry.TotalSeconds);
        }
        finally
        {
            foreach (var g in groups)
            {
                g.Dispose();
            }
        }
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
