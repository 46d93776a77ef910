using Mpsa.Agent.GroupSa;

namespace Mpsa.Agent;

/// <summary>
/// `mpsa-agent status --json`, written field by field with <see cref="IndentedJsonWriter"/>: the serializer and its
/// generated metadata cost the PSK binary about 0.2 MB for one small document. Indented, snake_case keys, null
/// written as null, in the order of the records' properties.
/// </summary>
internal static class AgentStatusJson
{
    public static string Write(AgentStatus status)
    {
        var w = new IndentedJsonWriter();
        w.WriteStartObject();
        Controller(w, status.Controller);
        Object(w, "uplink", status.Uplink, Uplink);
        Object(w, "ike_sa", status.IkeSa, IkeSa);
        Object(w, "child_sa", status.ChildSa, ChildSa);
        w.WriteStartArray("group_sas");
        foreach (var g in status.GroupSas)
        {
            GroupSa(w, g);
        }
        w.WriteEndArray();
        Object(w, "last_refusal", status.LastRefusal, Refusal);
        Object(w, "memory", status.Memory, Memory);
        w.WriteEndObject();
        return w.ToString();
    }

    private static void Controller(IndentedJsonWriter w, ControllerStatus c)
    {
        w.WriteStartObject("controller");
        w.WriteString("state", c.State);
        w.WriteString("address", c.Address);
        w.WriteString("identity", c.Identity);
        Number(w, "retry_in_seconds", c.RetryInSeconds);
        w.WriteStartArray("addresses");
        foreach (var a in c.Addresses)
        {
            w.WriteStringValue(a);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void IkeSa(IndentedJsonWriter w, IkeSaStatus ike)
    {
        w.WriteString("spi_i", ike.SpiI);
        w.WriteString("spi_r", ike.SpiR);
        w.WriteString("suite", ike.Suite);
        w.WriteString("key_exchange", ike.KeyExchange);
        w.WriteString("key_fingerprint", ike.KeyFingerprint);
        w.WriteBoolean("peer_supports_mpsa", ike.PeerSupportsMpsa);
        w.WriteBoolean("childless", ike.Childless);
        Number(w, "established_seconds_ago", ike.EstablishedSecondsAgo);
        Number(w, "rekey_in_seconds", ike.RekeyInSeconds);
    }

    private static void ChildSa(IndentedJsonWriter w, ChildSaStatus child)
    {
        w.WriteString("inbound_spi", child.InboundSpi);
        w.WriteString("outbound_spi", child.OutboundSpi);
        w.WriteString("suite", child.Suite);
        w.WriteString("mode", child.Mode);
        w.WriteBoolean("udp_encapsulation", child.UdpEncapsulation);
        w.WriteBoolean("installed", child.Installed);
        Number(w, "established_seconds_ago", child.EstablishedSecondsAgo);
        Number(w, "rekey_in_seconds", child.RekeyInSeconds);
    }

    private static void GroupSa(IndentedJsonWriter w, GroupSaStatus g)
    {
        w.WriteStartObject();
        w.WriteString("spi", g.Spi);
        w.WriteString("state", g.State);
        w.WriteNumber("seconds_left", g.SecondsLeft);
        w.WriteString("suite", g.Suite);
        w.WriteString("fingerprint", g.Fingerprint);
        w.WriteEndObject();
    }

    private static void Refusal(IndentedJsonWriter w, RefusalStatus r)
    {
        w.WriteString("spi", r.Spi);
        w.WriteString("notify", r.Notify);
        w.WriteString("reason", r.Reason);
        w.WriteNumber("seconds_ago", r.SecondsAgo);
    }

    private static void Uplink(IndentedJsonWriter w, UplinkStatus u)
    {
        w.WriteString("local_address", u.LocalAddress);
        w.WriteString("underlay_address", u.UnderlayAddress);
        w.WriteString("missing", u.Missing);
        w.WriteString("previous_local_address", u.PreviousLocalAddress);
        Number(w, "changed_seconds_ago", u.ChangedSecondsAgo);
    }

    private static void Memory(IndentedJsonWriter w, MemoryStatus m)
    {
        w.WriteNumber("rss_bytes", m.RssBytes);
        w.WriteNumber("gc_heap_bytes", m.GcHeapBytes);
        w.WriteNumber("allocated_bytes", m.AllocatedBytes);
        w.WriteNumber("gc_fragmented_bytes", m.GcFragmentedBytes);
        w.WriteNumber("gc_committed_bytes", m.GcCommittedBytes);
        w.WriteNumber("gc_collections", m.GcCollections);
    }

    /// <summary>`"name": { ... }` with <paramref name="fields"/> inside, or `"name": null`.</summary>
    private static void Object<T>(IndentedJsonWriter w, string name, T? value, Action<IndentedJsonWriter, T> fields)
        where T : class
    {
        if (value is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        fields(w, value);
        w.WriteEndObject();
    }

    private static void Number(IndentedJsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
