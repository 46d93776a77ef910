using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller.State;

/// <summary>Where the engine keeps its groups' key state across restarts (<see cref="GroupStateStore"/>: the state file).</summary>
internal interface IGroupStateStore
{
    /// <summary>The groups found at start, by name; the engine takes those its configuration still has.</summary>
    IReadOnlyDictionary<string, StoredGroup> Restored { get; }

    /// <summary>False while this process may not write (a cluster replica that is not the key leader).</summary>
    bool CanWrite => true;

    /// <summary>True when a new SA may reach no member before it is stored (a cluster: every replica must serve the same
    /// one); a rekey whose SA cannot be stored is then abandoned and tried again later.</summary>
    bool MustStoreBeforePush => false;

    /// <summary>Replaces what is stored with <paramref name="groups"/>, durably, before returning; throws <see cref="StateException"/>.</summary>
    void Save(IReadOnlyList<StoredGroup> groups, MonoTime now);
}
