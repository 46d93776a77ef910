using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.GroupSa;

/// <summary>
/// One multi-point SA as the agent holds it: the same SPI and keys serve inbound and outbound (draft-mpsa §3.3.2, docs/PROTOCOL.md).
/// Owns its <see cref="Keys"/> and zeroes them on <see cref="Dispose"/>. The schedule fields are set by
/// <see cref="GroupSaManager"/> only; an <see cref="IDataPlane"/> reads them.
/// </summary>
internal sealed class SharedSa : IDisposable
{
    public SharedSa(EspSpi spi, EspSuite suite, EspKeys keys, string fingerprint, MonoTime receivedAt, TimeSpan lifetime, TimeSpan rollover1, TimeSpan rollover2)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(keys);
        Spi = spi;
        Suite = suite;
        Keys = keys;
        Fingerprint = fingerprint;
        ReceivedAt = receivedAt;
        LifeEndsAt = receivedAt + lifetime;
        HardEndsAt = LifeEndsAt;
        Rollover1At = receivedAt + rollover1;
        Rollover2At = receivedAt + rollover2;
    }

    public EspSpi Spi { get; }

    public EspSuite Suite { get; }

    /// <summary>KEYMAT = prf+(SK_d, Nonce), split into encryption then integrity key.</summary>
    public EspKeys Keys { get; }

    /// <summary>First 16 hex digits of SHA-256(encr key || integ key): names the keys without showing them.</summary>
    public string Fingerprint { get; }

    /// <summary>When MPSA_PUT arrived; ROLL1, ROLL2 and LIFE count from here.</summary>
    public MonoTime ReceivedAt { get; }

    public SharedSaState State { get; internal set; }

    /// <summary>The state in lower case, as status shows it (a table: enum names need reflection metadata).</summary>
    public string StateName => State switch
    {
        SharedSaState.Pending => "pending",
        SharedSaState.Active => "active",
        _ => "draining",
    };

    /// <summary>True while the outbound states of this SA are in the kernel.</summary>
    public bool OutboundInstalled { get; internal set; }

    /// <summary>Receipt + LIFE: the SA leaves the kernel then at the latest. A refresh or a successor can only move it earlier.</summary>
    public MonoTime LifeEndsAt { get; internal set; }

    /// <summary>Receipt + LIFE as first received, never moved: the kernel's hard lifetime of every state of this SA.</summary>
    public MonoTime HardEndsAt { get; }

    /// <summary>The kernel refused its outbound states at ROLL1: it stays inbound only until a retry succeeds.</summary>
    public bool OutboundRefused { get; internal set; }

    /// <summary>Receipt + ROLL1: when this SA's outbound replaces the active one.</summary>
    public MonoTime Rollover1At { get; }

    /// <summary>Receipt + ROLL2: when the SAs this one replaces lose their inbound.</summary>
    public MonoTime Rollover2At { get; }

    /// <summary>Draining: when its inbound goes (its successor's ROLL2), unless its LIFE comes first.</summary>
    public MonoTime? RemoveAt { get; internal set; }

    /// <summary>When the SA leaves the kernel as planned now: its LIFE, or earlier when it drains.</summary>
    public MonoTime PlannedEnd => RemoveAt is { } at && at < LifeEndsAt ? at : LifeEndsAt;

    public void Dispose() => Keys.Dispose();

    public override string ToString() => $"spi {Spi} {StateName} {Suite} fp {Fingerprint}";
}
