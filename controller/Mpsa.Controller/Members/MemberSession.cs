using System.Collections.ObjectModel;
using System.Net;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Members;

/// <summary>A connected member: its IKE SA and what it has acknowledged.</summary>
internal sealed class MemberSession(IkeSpi spiR, MemberConfig member, IPEndPoint address, MonoTime connectedAt, string keyFingerprint)
{
    /// <summary>The controller's SPI of the member's current IKE SA; a rekey changes it (<see cref="Mpsa.Ike.Exchanges.IkeSaRekeyed"/>).</summary>
    public IkeSpi SpiR { get; set; } = spiR;
    public MemberConfig Member { get; set; } = member;
    /// <summary>Where the member's IKE SA is: where it connected from, or where it moved it (MOBIKE).</summary>
    public IPEndPoint Address { get; set; } = address;
    public MonoTime ConnectedAt { get; } = connectedAt;
    public EspSpi? LastAckedSpi { get; set; }

    private Dictionary<EspSpi, MemberRefusal>? _refusals;

    /// <summary>Group SAs the member acknowledged and did not report as failed since: what its kernel holds.</summary>
    public HeldSpis Holds { get; } = new();

    /// <summary>Group SAs the member refused (or reported failed), by SPI; most members never refuse, so the table is made at the first.</summary>
    public IReadOnlyDictionary<EspSpi, MemberRefusal> Refusals =>
        (IReadOnlyDictionary<EspSpi, MemberRefusal>?)_refusals ?? ReadOnlyDictionary<EspSpi, MemberRefusal>.Empty;

    public void SetRefusal(EspSpi spi, MemberRefusal refusal) => (_refusals ??= [])[spi] = refusal;

    public bool RemoveRefusal(EspSpi spi) => _refusals?.Remove(spi) ?? false;

    /// <summary>SHA-256 over the IKE SA's SK_* keys, first 16 hex digits (compare with the peer's, never the keys).</summary>
    public string KeyFingerprint { get; set; } = keyFingerprint;

    /// <summary>The IKE SA's key exchanges as status shows them ("x25519+mlkem768").</summary>
    public string KeyExchange { get; set; } = "";
    public bool Leaving { get; set; }

    /// <summary>Our outbound SPI of the member's current CHILD_SA (the one a Delete of it names), if any.</summary>
    public uint? ChildOutboundSpi { get; set; }

    /// <summary>The member's CHILD_SA as status shows it: "up", "refused (NOTIFY)", "none (childless)", "deleted".</summary>
    public string ChildState { get; set; } = "none";

    /// <summary>From the IKE_AUTH to the member's first acknowledged group SA (unset until then).</summary>
    public TimeSpan? FirstSaAfter { get; set; }

    /// <summary>When the controller rekeys this member's IKE SA and CHILD_SA.</summary>
    public required RekeySchedule Rekeys { get; init; }

    /// <summary>The session a reauthentication made to replace this one, which the member deletes (make-before-break).</summary>
    public MemberSession? ReplacedBy { get; set; }

    /// <summary>This session's CHILD_SA takes over the states of the one it replaces (reauthentication).</summary>
    public bool ChildHandover { get; set; }

    /// <summary>The deadline this session is queued for in the engine's rekey queue, if any.</summary>
    public MonoTime? RekeyQueuedFor { get; set; }
}
