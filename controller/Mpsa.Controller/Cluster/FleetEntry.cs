using System.Text.Json.Serialization;

namespace Mpsa.Controller.Cluster;

/// <summary>One member connected to one replica, as that replica records it in etcd
/// (<c>PREFIX/fleet/REPLICA/MEMBER</c>, under the replica's lease: gone when the replica is).</summary>
internal sealed record FleetEntry(
    [property: JsonPropertyName("member")] string Member,
    [property: JsonPropertyName("replica")] string Replica,
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("last_acked_spi")] string? LastAckedSpi,
    [property: JsonPropertyName("holds_current_sa")] bool HoldsCurrent,
    [property: JsonPropertyName("refusals")] IReadOnlyList<FleetRefusal> Refusals,
    [property: JsonPropertyName("connected_at_ms")] long ConnectedAtMs);

/// <summary>A group SA in use that the member refused at its replica: the Notify and why.</summary>
internal sealed record FleetRefusal(
    [property: JsonPropertyName("spi")] string Spi,
    [property: JsonPropertyName("notify")] string Notify,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("count")] int Count);

/// <summary>What `status` shows of the other replicas: their members, or why they could not be read.</summary>
internal sealed record FleetView(string Replica, IReadOnlyList<FleetEntry> Entries, string? Problem);

[JsonSerializable(typeof(FleetEntry))]
internal sealed partial class FleetEntryJson : JsonSerializerContext;
