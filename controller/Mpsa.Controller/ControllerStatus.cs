using System.Text;
using System.Text.Json.Serialization;

namespace Mpsa.Controller;

/// <summary>`mpsa-controller status [--json]`: per group the current and next SA, per member its state.</summary>
internal sealed record ControllerStatus(
    [property: JsonPropertyName("identity")] string Identity,
    [property: JsonPropertyName("groups")] IReadOnlyList<GroupStatus> Groups,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberStatus> Members)
{
    /// <summary>In a cluster: this replica's name (members show where they are connected).</summary>
    [JsonPropertyName("replica")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Replica { get; init; }

    /// <summary>In a cluster: why the other replicas' members could not be read from etcd (null: they are shown).</summary>
    [JsonPropertyName("fleet_problem")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FleetProblem { get; init; }

    public string ToText()
    {
        var b = new StringBuilder();
        b.Append("controller ").Append(Identity);
        if (Replica is not null)
        {
            b.Append(", replica ").Append(Replica).Append(FleetProblem is null ? ": members of every replica" : $": members of this replica only ({FleetProblem})");
        }
        b.AppendLine();
        foreach (var g in Groups)
        {
            b.Append("group ").Append(g.Name).Append(": spi ").Append(g.CurrentSpi).Append(' ').Append(g.Suite)
             .Append(", ").Append(g.SecondsLeft).Append("s left, fingerprint ").Append(g.Fingerprint)
             .Append(", held by ").Append(g.MembersHoldingCurrent).Append(" of ").Append(g.MembersConnected).Append(" connected");
            if (g.NextSpi is not null)
            {
                b.Append("; rolling over to ").Append(g.NextSpi).Append(" (fingerprint ").Append(g.NextFingerprint).Append(')');
            }
            b.AppendLine();
            if (g.Warning is not null)
            {
                b.Append("  warning: ").AppendLine(g.Warning);
            }
        }
        foreach (var m in Members)
        {
            b.Append("member ").Append(m.Name).Append(" (").Append(m.Group).Append("): ").Append(m.State);
            if (m.Replica is not null)
            {
                b.Append(" to replica ").Append(m.Replica);
            }
            if (m.Address is not null)
            {
                b.Append(" from ").Append(m.Address);
            }
            if (m.LastAckedSpi is not null)
            {
                b.Append(", acked ").Append(m.LastAckedSpi);
            }
            if (m.State == "connected")
            {
                b.Append(m.HoldsCurrent ? ", holds the current SA" : ", does NOT hold the current SA");
            }
            if (m.IkeSaAgeSeconds is { } age)
            {
                b.Append(", IKE SA ").Append(m.IkeKeyExchange is { Length: > 0 } ke ? ke + " " : "").Append("up ").Append(age)
                 .Append("s, rekey in ").Append(m.IkeRekeyInSeconds).Append('s');
            }
            if (m.ChildSa is { } childState && childState != "up")
            {
                b.Append(", CHILD_SA ").Append(childState);
            }
            else if (m.ChildRekeyInSeconds is { } child)
            {
                b.Append(", CHILD_SA rekey in ").Append(child).Append('s');
            }
            b.AppendLine();
            foreach (var r in m.Refusals)
            {
                b.Append("  refused ").Append(r.Spi).Append(" with ").Append(r.Notify).Append(' ').Append(r.Count)
                 .Append(" time(s), last ").Append(r.SecondsAgo).Append("s ago: ").Append(r.Reason);
                if (r.RetryInSeconds is { } retry)
                {
                    b.Append("; retry in ").Append(retry).Append('s');
                }
                b.AppendLine();
            }
        }
        return b.ToString();
    }
}

internal sealed record GroupStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("current_spi")] string CurrentSpi,
    [property: JsonPropertyName("next_spi")] string? NextSpi,
    [property: JsonPropertyName("seconds_left")] long SecondsLeft,
    [property: JsonPropertyName("suite")] string Suite,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("next_fingerprint")] string? NextFingerprint,
    [property: JsonPropertyName("members_connected")] int MembersConnected,
    [property: JsonPropertyName("members_holding_current")] int MembersHoldingCurrent)
{
    /// <summary>Set while the group's rekey is overdue: how long its SA has left, and why no rekey happens if
    /// known.</summary>
    [JsonPropertyName("warning")]
    public string? Warning { get; init; }
}

internal sealed record MemberStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("identity")] string Identity,
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("last_acked_spi")] string? LastAckedSpi,
    [property: JsonPropertyName("ike_key_fingerprint")] string? IkeKeyFingerprint,
    [property: JsonPropertyName("holds_current_sa")] bool HoldsCurrent,
    [property: JsonPropertyName("refusals")] IReadOnlyList<RefusalStatus> Refusals)
{
    /// <summary>In a cluster: the replica the member is connected to.</summary>
    [JsonPropertyName("replica")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Replica { get; init; }

    /// <summary>The key exchanges of the member's IKE SA: "x25519", "x25519+mlkem768" (the hybrid).</summary>
    [JsonPropertyName("ike_key_exchange")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IkeKeyExchange { get; init; }

    /// <summary>Seconds since the member's IKE SA was made (IKE_AUTH or its last rekey).</summary>
    [JsonPropertyName("ike_sa_age_seconds")]
    public long? IkeSaAgeSeconds { get; init; }

    /// <summary>Seconds until the controller rekeys the IKE SA (ike_lifetime less jitter).</summary>
    [JsonPropertyName("ike_rekey_in_seconds")]
    public long? IkeRekeyInSeconds { get; init; }

    /// <summary>Seconds until the controller rekeys the CHILD_SA (child_lifetime less jitter).</summary>
    [JsonPropertyName("child_rekey_in_seconds")]
    public long? ChildRekeyInSeconds { get; init; }

    /// <summary>The member's CHILD_SA: "up", "refused (NOTIFY)", "none (childless)" (RFC 6023), "deleted".</summary>
    [JsonPropertyName("child_sa")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ChildSa { get; init; }

    /// <summary>Milliseconds from the member's IKE_AUTH to its first acknowledged group SA.</summary>
    [JsonPropertyName("first_sa_ms")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FirstSaMilliseconds { get; init; }
}

/// <summary>A group SA in use that the member refused: the Notify it sent, why, how often, and the next retry.</summary>
internal sealed record RefusalStatus(
    [property: JsonPropertyName("spi")] string Spi,
    [property: JsonPropertyName("notify")] string Notify,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("seconds_ago")] long SecondsAgo,
    [property: JsonPropertyName("retry_in_seconds")] long? RetryInSeconds);

[JsonSerializable(typeof(ControllerStatus))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class ControllerStatusJson : JsonSerializerContext;
