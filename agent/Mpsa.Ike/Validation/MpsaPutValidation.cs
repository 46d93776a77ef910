using System.Globalization;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Validation;

/// <summary>
/// The one place where an MPSA_PUT message is judged before anything is installed: the draft's rules, RFC 7296's
/// proposal rules and the CPE's local policy. The decoder has already checked the wire; the group-SA manager then
/// acts on a valid message and reports only what the kernel did. A message is all-or-nothing: the first refusal
/// refuses every SA in it (docs/PROTOCOL.md "Refusals").
/// </summary>
public static class MpsaPutValidation
{
    /// <summary>Null when every SA of the message may be installed, else the refusal to send back.</summary>
    /// <param name="puts">The MPSA_PUTs of one INFORMATIONAL request, in order.</param>
    /// <param name="peerSentVendorId">Whether the IKE SA's peer sent V(MPSA) in IKE_SA_INIT.</param>
    public static MpsaRefusal? Validate(IReadOnlyList<MpsaPut> puts, MpsaPolicy policy, bool peerSentVendorId, IHeldGroupSas held)
    {
        ArgumentNullException.ThrowIfNull(puts);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(held);
        if (puts.Count == 0)
        {
            return null;
        }
        if (policy.RequireVendorId && !peerSentVendorId)
        {
            return MpsaRefusal.Unacceptable(puts[0].Spi,
                "the controller sent no Vendor ID \"multi-point SA\" (require_vendor_id = no accepts that)");
        }
        int added = 0;
        var seen = new HashSet<EspSpi>();
        foreach (var put in puts)
        {
            if (!seen.Add(put.Spi))
            {
                return MpsaRefusal.Syntax(put.Spi, "the same SPI twice in one message");
            }
            if (Check(put, policy, out var suite) is { } refusal)
            {
                return refusal;
            }
            switch (held.Match(put.Spi, put, suite))
            {
                case HeldMatch.OtherKeys:
                    return MpsaRefusal.Syntax(put.Spi, "SPI already installed with other keys or algorithms");
                case HeldMatch.NotHeld:
                    added++;
                    break;
            }
        }
        if (held.Count + added > MpsaPolicy.MaxGroupSas)
        {
            return MpsaRefusal.Temporary(puts[^1].Spi, string.Create(CultureInfo.InvariantCulture,
                $"{held.Count} group SAs held, {added} more would exceed {MpsaPolicy.MaxGroupSas} (current, next, draining)"));
        }
        return null;
    }

    /// <summary>The ESP suite an MPSA_PUT names; a cipher without a Key Length attribute gets its only size.</summary>
    public static EspSuite SuiteOf(MpsaPut put) =>
        new(put.Encr, put.EncrKeyBits ?? DefaultKeyBits(put.Encr) ?? 0, put.Integ);

    /// <summary>The rules one SA must meet on its own.</summary>
    private static MpsaRefusal? Check(MpsaPut put, MpsaPolicy policy, out EspSuite suite)
    {
        suite = SuiteOf(put);
        var spi = put.Spi;
        if (spi.IsReserved)
        {
            return MpsaRefusal.Syntax(spi, "SPI 0-255 is reserved (RFC 4303 §2.1)");
        }
        if (put.OtherTransforms.Count > 0)
        {
            return MpsaRefusal.Unacceptable(spi, $"transform type {Name(put.OtherTransforms[0])} is not used in a multi-point SA");
        }
        if (put.LifetimeSeconds == 0)
        {
            return MpsaRefusal.Syntax(spi, "LIFE is 0");
        }
        // both 0: the rollover is already over (the current SA pushed late, to a member that joins or comes back), and
        // with no older SA held the timers have no meaning at all (draft §3.3.2)
        if (put.Rollover1Seconds >= put.Rollover2Seconds && !(put.Rollover1Seconds == 0 && put.Rollover2Seconds == 0))
        {
            return MpsaRefusal.Syntax(spi, Invariant(
                $"ROLL1 ({put.Rollover1Seconds}s) is not before ROLL2 ({put.Rollover2Seconds}s): the old inbound would go before the new outbound starts"));
        }
        if (put.Rollover2Seconds >= put.LifetimeSeconds)
        {
            return MpsaRefusal.Syntax(spi, Invariant(
                $"ROLL2 ({put.Rollover2Seconds}s) is not before LIFE ({put.LifetimeSeconds}s): the SA would end before its rollover"));
        }
        if (!Prf.IsSupported(put.Prf))
        {
            return MpsaRefusal.Unacceptable(spi, $"PRF {put.Prf} is not supported");
        }
        if (policy.AllowedPrfs is { } prfs && !Sequences.Contains(prfs, put.Prf))
        {
            return MpsaRefusal.Unacceptable(spi, $"PRF {put.Prf} cannot be computed on this system (it needs libssl)");
        }
        if (put.EncrKeyBits is null && DefaultKeyBits(put.Encr) is null)
        {
            return MpsaRefusal.Unacceptable(spi, $"{put.Encr} needs a Key Length attribute (RFC 7296 §3.3.5)");
        }
        if (!suite.IsSupported || policy.Installable?.Invoke(suite) == false)
        {
            return MpsaRefusal.Unacceptable(spi, $"ESP suite {suite} cannot be installed");
        }
        if (policy.AllowedSuites is { } suites && !Sequences.Contains(suites, suite))
        {
            return MpsaRefusal.Unacceptable(spi, $"ESP suite {suite} is not allowed by the configuration");
        }
        if (suite.IsCounterModeAead && !policy.AllowCounterModeAead)
        {
            return MpsaRefusal.Unacceptable(spi,
                $"{suite} is a counter-mode AEAD: every member would generate IVs under the same key (unsafe_counter_mode_aead = yes allows it)");
        }
        return null;
    }

    private static string Name(TransformType type) =>
        Enum.IsDefined(type) ? type.ToString() : ((int)type).ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Key size of a cipher whose transform carries no Key Length attribute: only fixed-size ciphers have one.</summary>
    private static int? DefaultKeyBits(EncrId encr) => encr switch
    {
        EncrId.ENCR_CHACHA20_POLY1305 => 256,
        EncrId.ENCR_3DES => 192,
        _ => null,
    };
}
