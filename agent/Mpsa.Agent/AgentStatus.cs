using System.Text;
using Mpsa.Agent.GroupSa;
using Mpsa.Agent.Memory;

namespace Mpsa.Agent;

/// <summary>`mpsa-agent status [--json]`: the controller connection, the IKE SA, the CHILD_SA and each group SA. No keys.</summary>
internal sealed record AgentStatus(
    ControllerStatus Controller,
    IkeSaStatus? IkeSa,
    ChildSaStatus? ChildSa,
    IReadOnlyList<GroupSaStatus> GroupSas)
{
    /// <summary>The last group SA this agent refused or could not carry out, as the controller was told.</summary>
    public RefusalStatus? LastRefusal { get; init; }

    /// <summary>Where IKE and ESP leave from, or what is missing for them.</summary>
    public UplinkStatus? Uplink { get; init; }

    /// <summary>The process's memory: a rising RSS told apart from garbage by the heap and the allocations.</summary>
    public MemoryStatus? Memory { get; init; }

    private static void AppendTimes(StringBuilder b, long? age, long? rekeyIn)
    {
        if (age is { } a)
        {
            b.Append(", up ").Append(a).Append('s');
        }
        if (rekeyIn is { } r)
        {
            b.Append(", rekey in ").Append(r).Append('s');
        }
        b.AppendLine();
    }

    public string ToText()
    {
        var b = new StringBuilder();
        b.Append("controller ").Append(Controller.Address).Append(' ').Append(Controller.State);
        if (Controller.RetryInSeconds is { } retry)
        {
            b.Append(", retry in ").Append(retry).Append('s');
        }
        b.AppendLine();
        if (Uplink is { } uplink)
        {
            b.Append("uplink ").AppendLine(uplink.Missing is { } missing
                ? "missing: " + missing
                : $"local address {uplink.LocalAddress ?? "any"}, underlay {uplink.UnderlayAddress ?? "none"}"
                    + (uplink.ChangedSecondsAgo is { } ago ? $", changed from {uplink.PreviousLocalAddress} {ago}s ago" : ""));
        }
        if (Controller.Addresses.Count > 1)
        {
            b.Append("controller addresses ");
            for (int i = 0; i < Controller.Addresses.Count; i++)
            {
                b.Append(i == 0 ? "" : ", ").Append(Controller.Addresses[i]);
            }
            b.AppendLine(" (tried in this order)");
        }
        if (IkeSa is { } ike)
        {
            b.Append("IKE SA ").Append(ike.SpiI).Append('/').Append(ike.SpiR).Append(' ').Append(ike.Suite)
             .Append(", key exchange ").Append(ike.KeyExchange).Append(", key fingerprint ").Append(ike.KeyFingerprint)
             .Append(ike.Childless ? ", no CHILD_SA (child_sa = no)" : "");
            AppendTimes(b, ike.EstablishedSecondsAgo, ike.RekeyInSeconds);
        }
        if (ChildSa is { } child)
        {
            b.Append("CHILD_SA in ").Append(child.InboundSpi).Append(" out ").Append(child.OutboundSpi).Append(' ')
             .Append(child.Suite).Append(' ').Append(child.Mode).Append(child.UdpEncapsulation ? " in UDP (port 4500)" : "")
             .Append(child.Installed ? ", in the kernel" : ", not in the kernel");
            AppendTimes(b, child.EstablishedSecondsAgo, child.RekeyInSeconds);
        }
        foreach (var g in GroupSas)
        {
            b.AppendLine(g.ToString());
        }
        if (Memory is { } m)
        {
            b.Append("memory: RSS ").Append(m.RssBytes / 1024).Append(" kB, GC heap ").Append(m.GcHeapBytes / 1024)
             .Append(" kB, allocated ").Append(m.AllocatedBytes / 1024).AppendLine(" kB since start");
        }
        if (LastRefusal is { } r)
        {
            b.Append("last refusal: spi ").Append(r.Spi).Append(' ').Append(r.Notify).Append(", ").Append(r.SecondsAgo)
             .Append("s ago: ").AppendLine(r.Reason);
        }
        return b.ToString();
    }
}

internal sealed record ControllerStatus(
    string State,
    string Address,
    string? Identity,
    long? RetryInSeconds)
{
    /// <summary>Every configured address of the controller (<c>address = a, b, c</c>), in the order they are tried;
    /// <see cref="Address"/> is the one connected to or tried.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = new[] { Address };
}

/// <summary>
/// The addresses the agent uses: IKE's source towards the controller and the data plane's underlay (the outer address
/// of ESP); while it waits at start for a way to the controller, what is missing instead.
/// </summary>
internal sealed record UplinkStatus(
    string? LocalAddress,
    string? UnderlayAddress,
    string? Missing)
{
    /// <summary>The address IKE left from before its last change, and how long ago that was (null: no change yet).</summary>
    public string? PreviousLocalAddress { get; init; }

    public long? ChangedSecondsAgo { get; init; }
}

internal sealed record IkeSaStatus(
    string SpiI,
    string SpiR,
    string Suite,
    string KeyFingerprint,
    bool PeerSupportsMpsa)
{
    /// <summary>Seconds since this IKE SA was made (IKE_AUTH or its last rekey).</summary>
    public long? EstablishedSecondsAgo { get; init; }

    /// <summary>Every key exchange the IKE SA's keys come from: "x25519", or "x25519+mlkem768" for the hybrid.</summary>
    public string KeyExchange { get; init; } = "";

    /// <summary>Seconds until this side rekeys it (ike_lifetime less jitter); 0 while a rekey runs.</summary>
    public long? RekeyInSeconds { get; init; }

    /// <summary>Made without a CHILD_SA (child_sa = no, RFC 6023).</summary>
    public bool Childless { get; init; }
}

internal sealed record ChildSaStatus(
    string InboundSpi,
    string OutboundSpi,
    string Suite,
    string Mode,
    bool Installed)
{
    /// <summary>Seconds since this CHILD_SA was made (IKE_AUTH or its last rekey).</summary>
    public long? EstablishedSecondsAgo { get; init; }

    /// <summary>Seconds until this side rekeys it (child_lifetime less jitter); 0 while a rekey runs.</summary>
    public long? RekeyInSeconds { get; init; }

    /// <summary>ESP in UDP on port 4500 (RFC 3948): a NAT was found on the path, or encap = yes.</summary>
    public bool UdpEncapsulation { get; init; }
}

internal sealed record RefusalStatus(
    string Spi,
    string Notify,
    string Reason,
    long SecondsAgo);

/// <summary>
/// RSS (what the router pays); the GC heap after the last collection, of it free gaps, and the memory the GC holds
/// committed for it; every byte allocated since start; collections so far.
/// </summary>
internal sealed record MemoryStatus(
    long RssBytes,
    long GcHeapBytes,
    long AllocatedBytes,
    long GcFragmentedBytes,
    long GcCommittedBytes,
    int GcCollections)
{
    public static MemoryStatus Now()
    {
        GCMemoryInfo gc = GC.GetGCMemoryInfo();
        // VmRSS read as FilePages reads it: Environment.WorkingSet would bring FileStream into the binary.
        return new(FilePages.ResidentKb() * 1024, gc.HeapSizeBytes, GC.GetTotalAllocatedBytes(precise: false),
            gc.FragmentedBytes, gc.TotalCommittedBytes, GC.CollectionCount(0));
    }
}
