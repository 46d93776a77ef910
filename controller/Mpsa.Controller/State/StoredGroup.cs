using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.State;

/// <summary>One group SA as the state file keeps it: everything a restarted controller needs to serve it again.</summary>
internal sealed class StoredSa(EspSpi spi, EspSuite esp, PrfId prf, byte[] nonce, SecretBytes skD, MonoTime createdAt, MonoTime expiresAt)
    : IDisposable
{
    public EspSpi Spi { get; } = spi;
    public EspSuite Esp { get; } = esp;
    public PrfId Prf { get; } = prf;
    public byte[] Nonce { get; } = nonce;
    public SecretBytes SkD { get; } = skD;
    public MonoTime CreatedAt { get; } = createdAt;
    public MonoTime ExpiresAt { get; } = expiresAt;

    public void Dispose() => SkD.Dispose();
}

/// <summary>A group's key state: its current SA, the next one while a rollover runs, and the SPIs it must not use again.</summary>
internal sealed class StoredGroup(string name, StoredSa current, StoredSa? next, MonoTime? rolloverStartedAt, IReadOnlyList<EspSpi> usedSpis)
    : IDisposable
{
    public string Name { get; } = name;
    public StoredSa Current { get; } = current;
    public StoredSa? Next { get; } = next;
    public MonoTime? RolloverStartedAt { get; } = rolloverStartedAt;
    public IReadOnlyList<EspSpi> UsedSpis { get; } = usedSpis;

    public void Dispose()
    {
        Current.Dispose();
        Next?.Dispose();
    }
}
