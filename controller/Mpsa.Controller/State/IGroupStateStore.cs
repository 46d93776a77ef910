using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller.State;

/// <summary>Where the engine keeps its groups' key state across restarts (<see cref="GroupStateStore"/>: the state file).</summary>
internal interface IGroupStateStore
{
    /// <summary>The groups found at start, by name; the engine takes those its configuration still has.</summary>
    IReadOnlyDictionary<string, StoredGroup> Restored { get; }

    /// <summary>Replaces what is stored with <paramref name="groups"/>, durably, before returning; throws <see cref="StateException"/>.</summary>
    void Save(IReadOnlyList<StoredGroup> groups, MonoTime now);
}
