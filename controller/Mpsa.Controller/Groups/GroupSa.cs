using Mpsa.Controller.State;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Groups;

/// <summary>
/// One multi-point SA as the controller made it (draft §3.3.1): SPI from a CSPRNG, a fresh Nonce and an SK_d of the
/// PRF's key length. Members derive KEYMAT = prf+(SK_d, Nonce); the fingerprint lets anyone compare without the keys.
/// </summary>
internal sealed class GroupSa : IDisposable
{
    public const int NonceLength = 32;

    private GroupSa(GroupConfig config, EspSpi spi, byte[] nonce, SecretBytes skD, MonoTime createdAt, MonoTime expiresAt)
    {
        Config = config;
        Spi = spi;
        Nonce = nonce;
        SkD = skD;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        using var keys = ChildKeyMaterial.DeriveMpsa(Prf.Create(config.Prf), skD.Span, nonce, config.Esp);
        Fingerprint = KeymatFingerprint.Of(keys);
    }

    public GroupConfig Config { get; }
    public EspSpi Spi { get; }
    public byte[] Nonce { get; }
    public SecretBytes SkD { get; }
    public MonoTime CreatedAt { get; }
    public MonoTime ExpiresAt { get; }
    public string Fingerprint { get; }

    public static GroupSa Generate(GroupConfig config, IRandom random, MonoTime now, Func<EspSpi, bool> alreadyUsed)
    {
        EspSpi spi;
        do
        {
            spi = new EspSpi(SpiSource.Random(random));
        }
        while (alreadyUsed(spi));
        var nonce = new byte[NonceLength];
        random.Fill(nonce);
        int skdLength = MpsaPut.PrfKeyLength(config.Prf) ?? throw new ArgumentException($"unknown PRF {config.Prf}");
        var skD = new SecretBytes(skdLength);
        random.Fill(skD.WritableSpan);
        return new GroupSa(config, spi, nonce, skD, now, now + config.Lifetime);
    }

    /// <summary>An SA from the state file, served again after a restart with the time it has left; its suite is the
    /// group's (the caller checks).</summary>
    public static GroupSa Restore(GroupConfig config, StoredSa stored) =>
        new(config, stored.Spi, stored.Nonce, SecretBytes.CopyFrom(stored.SkD.Span), stored.CreatedAt, stored.ExpiresAt);

    public StoredSa ToStored() => new(Spi, Config.Esp, Config.Prf, Nonce, SecretBytes.CopyFrom(SkD.Span), CreatedAt, ExpiresAt);

    /// <summary>The MPSA_PUT for a member at <paramref name="now"/>: LIFE is the time left (draft §3.3.1); rollover
    /// delays are what is left of them since <paramref name="rolloverStart"/>, so a late joiner switches with the rest.</summary>
    public MpsaPut ToPut(MonoTime now, MonoTime? rolloverStart)
    {
        var (life, roll1, roll2) = Timers(now, rolloverStart);
        return new MpsaPut(Spi, Config.Esp.Encr, Config.Esp.Encr == EncrId.ENCR_CHACHA20_POLY1305 ? null : Config.Esp.EncrKeyBits,
            Config.Esp.Integ, Config.Prf, Nonce, SecretBytes.CopyFrom(SkD.Span), life, roll1, roll2);
    }

    /// <summary>LIFE, ROLL1 and ROLL2 in whole seconds as <see cref="ToPut"/> writes them: equal values, equal puts.
    /// A member refuses ROLL1 ≥ ROLL2 and ROLL2 ≥ LIFE: an SA pushed without a rollover (the current one, late in its
    /// life) gets its ROLL times shortened to fit; they mean nothing to a member that holds no older SA.</summary>
    public (uint Life, uint Rollover1, uint Rollover2) Timers(MonoTime now, MonoTime? rolloverStart)
    {
        uint Left(MonoTime until) => (uint)Math.Max(0, Math.Ceiling((until - now).TotalSeconds));
        uint life = Left(ExpiresAt);
        if (rolloverStart is { } s)
        {
            return (life, Left(s + Config.Rollover1), Left(s + Config.Rollover2));
        }
        uint roll2 = Math.Min((uint)Config.Rollover2.TotalSeconds, life > 0 ? life - 1 : 0);
        uint roll1 = Math.Min((uint)Config.Rollover1.TotalSeconds, roll2 > 0 ? roll2 - 1 : 0);
        return (life, roll1, roll2);
    }

    public void Dispose() => SkD.Dispose();
}
