using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>Suites to and from SA payload proposals (RFC 7296 §3.3), and the responder's choice (§2.7).</summary>
internal static class Proposals
{
    public static SecurityAssociationPayload Offer(IReadOnlyList<IkeSuite> suites)
    {
        var proposals = new List<ProposalSubstructure>(suites.Count);
        for (int i = 0; i < suites.Count; i++)
        {
            proposals.Add(ToProposal(suites[i], (byte)(i + 1)));
        }
        return new(proposals);
    }

    public static SecurityAssociationPayload Offer(IReadOnlyList<EspSuite> suites, uint spi)
    {
        var proposals = new List<ProposalSubstructure>(suites.Count);
        for (int i = 0; i < suites.Count; i++)
        {
            proposals.Add(ToProposal(suites[i], (byte)(i + 1), spi));
        }
        return new(proposals);
    }

    /// <summary>The suites without their additional key exchanges, in order, each once: what a classical IKE SA is
    /// rekeyed with.</summary>
    public static List<IkeSuite> WithoutAdditionalKe(IEnumerable<IkeSuite> suites)
    {
        var classical = new List<IkeSuite>();
        foreach (var s in suites)
        {
            var c = s.HasAdditionalKe ? s with { AdditionalKe = DhGroup.NONE } : s;
            if (!classical.Contains(c))
            {
                classical.Add(c);
            }
        }
        return classical;
    }

    public static bool AnyAdditionalKe(IReadOnlyList<IkeSuite> suites)
    {
        foreach (var s in suites)
        {
            if (s.HasAdditionalKe)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The suites that make an additional key exchange.</summary>
    public static List<IkeSuite> OnlyHybrid(IReadOnlyList<IkeSuite> suites)
    {
        var hybrid = new List<IkeSuite>(suites.Count);
        foreach (var s in suites)
        {
            if (s.HasAdditionalKe)
            {
                hybrid.Add(s);
            }
        }
        return hybrid;
    }

    /// <summary>The suites that make no additional key exchange.</summary>
    public static List<IkeSuite> OnlyClassical(IReadOnlyList<IkeSuite> suites)
    {
        var classical = new List<IkeSuite>(suites.Count);
        foreach (var s in suites)
        {
            if (!s.HasAdditionalKe)
            {
                classical.Add(s);
            }
        }
        return classical;
    }

    /// <summary>Whether a suite of <paramref name="offered"/> uses <paramref name="group"/> (INVALID_KE_PAYLOAD).</summary>
    public static bool OffersGroup(IReadOnlyList<IkeSuite> offered, DhGroup group)
    {
        foreach (var s in offered)
        {
            if (s.Dh == group)
            {
                return true;
            }
        }
        return false;
    }

    public static ProposalSubstructure ToProposal(IkeSuite s, byte number)
    {
        var transforms = new List<TransformSubstructure> { Encr(s.Encr, s.EncrKeyBits), new(TransformType.PRF, (ushort)s.Prf) };
        if (s.Integ != IntegId.NONE)
        {
            transforms.Add(new TransformSubstructure(TransformType.INTEG, (ushort)s.Integ));
        }
        transforms.Add(new TransformSubstructure(TransformType.DH, (ushort)s.Dh));
        if (s.HasAdditionalKe)
        {
            transforms.Add(new TransformSubstructure(TransformType.ADDKE1, (ushort)s.AdditionalKe));
        }
        return new ProposalSubstructure(number, ProtocolId.IKE, [], transforms);
    }

    public static ProposalSubstructure ToProposal(EspSuite s, byte number, uint spi)
    {
        var transforms = new List<TransformSubstructure> { Encr(s.Encr, s.EncrKeyBits) };
        if (s.Integ != IntegId.NONE)
        {
            transforms.Add(new TransformSubstructure(TransformType.INTEG, (ushort)s.Integ));
        }
        transforms.Add(new TransformSubstructure(TransformType.ESN, (ushort)EsnId.NO_ESN));
        return new ProposalSubstructure(number, ProtocolId.ESP, SpiBytes(spi), transforms);
    }

    /// <summary>ChaCha20-Poly1305 has a fixed key size and carries no Key Length attribute (RFC 7634 §3).</summary>
    private static TransformSubstructure Encr(EncrId id, int bits) => id == EncrId.ENCR_CHACHA20_POLY1305
        ? new TransformSubstructure(TransformType.ENCR, (ushort)id)
        : TransformSubstructure.WithKeyLength(TransformType.ENCR, (ushort)id, bits);

    public static byte[] SpiBytes(uint spi) => [(byte)(spi >> 24), (byte)(spi >> 16), (byte)(spi >> 8), (byte)spi];

    public static uint SpiValue(byte[] spi) => (uint)(spi[0] << 24 | spi[1] << 16 | spi[2] << 8 | spi[3]);

    /// <summary>Responder: the first of our suites (in our order) that some offered IKE proposal allows. Prefers one
    /// whose group matches the initiator's KE, so a KE retry is needed only when no such suite is acceptable.</summary>
    public static (IkeSuite Suite, byte Number)? ChooseIke(SecurityAssociationPayload offered, IReadOnlyList<IkeSuite> ours, DhGroup keGroup)
    {
        (IkeSuite, byte)? fallback = null;
        foreach (var suite in ours)
        {
            foreach (var p in offered.Proposals)
            {
                if (p.ProtocolId == ProtocolId.IKE && p.Spi.Length is 0 or 8 && Allows(p, suite))
                {
                    if (suite.Dh == keGroup)
                    {
                        return (suite, p.ProposalNum);
                    }
                    fallback ??= (suite, p.ProposalNum);
                }
            }
        }
        return fallback;
    }

    public static (EspSuite Suite, byte Number, uint PeerSpi)? ChooseEsp(SecurityAssociationPayload offered, IReadOnlyList<EspSuite> ours)
    {
        foreach (var suite in ours)
        {
            foreach (var p in offered.Proposals)
            {
                if (p.ProtocolId == ProtocolId.ESP && p.Spi.Length == 4 && Allows(p, suite))
                {
                    return (suite, p.ProposalNum, SpiValue(p.Spi));
                }
            }
        }
        return null;
    }

    /// <summary>Initiator: the responder's answer must be exactly one of our proposals with one transform of each type.</summary>
    public static IkeSuite? AcceptedIke(SecurityAssociationPayload answer, IReadOnlyList<IkeSuite> offered)
    {
        if (answer.Proposals.Count != 1 || answer.Proposals[0].ProtocolId != ProtocolId.IKE || !OneOfEachType(answer.Proposals[0]))
        {
            return null;
        }
        var p = answer.Proposals[0];
        foreach (var s in offered)
        {
            if (Allows(p, s) && p.Transforms.Count == (s.Integ == IntegId.NONE ? 3 : 4) + (s.HasAdditionalKe ? 1 : 0))
            {
                return s;
            }
        }
        return null;
    }

    public static (EspSuite Suite, uint PeerSpi)? AcceptedEsp(SecurityAssociationPayload answer, IReadOnlyList<EspSuite> offered)
    {
        if (answer.Proposals.Count != 1 || answer.Proposals[0].ProtocolId != ProtocolId.ESP || answer.Proposals[0].Spi.Length != 4
            || !OneOfEachType(answer.Proposals[0]))
        {
            return null;
        }
        var p = answer.Proposals[0];
        foreach (var suite in offered)
        {
            if (Allows(p, suite))
            {
                return (suite, SpiValue(p.Spi));
            }
        }
        return null;
    }

    private static bool OneOfEachType(ProposalSubstructure p)
    {
        var seen = new HashSet<TransformType>();
        foreach (var t in p.Transforms)
        {
            if (!seen.Add(t.TransformType))
            {
                return false;
            }
        }
        return true;
    }

    private static bool Allows(ProposalSubstructure p, IkeSuite s) =>
        HasEncr(p, s.Encr, s.EncrKeyBits)
        && Has(p, TransformType.PRF, (ushort)s.Prf)
        && AllowsInteg(p, s.Integ)
        && Has(p, TransformType.DH, (ushort)s.Dh)
        && (!s.HasAdditionalKe || Has(p, TransformType.ADDKE1, (ushort)s.AdditionalKe))
        && OnlyIkeTypes(p, s);

    /// <summary>RFC 7296 §3.3.6: a proposal with a transform type we do not know is unacceptable. An additional key
    /// exchange (RFC 9370 §2.2.1: ADDKE1-7) the suite does not make is acceptable only where the proposal allows NONE;
    /// a proposal that requires one (e.g. strongSwan's ke1_mlkem768) is never taken for a classical suite.</summary>
    private static bool OnlyIkeTypes(ProposalSubstructure p, IkeSuite s)
    {
        foreach (var t in p.Transforms)
        {
            bool additional = t.TransformType is >= TransformType.ADDKE1 and <= TransformType.ADDKE7;
            bool ours = t.TransformType == TransformType.ADDKE1 && s.HasAdditionalKe;
            if (additional ? !ours && !Has(p, t.TransformType, (ushort)DhGroup.NONE)
                : t.TransformType is not (TransformType.ENCR or TransformType.PRF or TransformType.INTEG or TransformType.DH))
            {
                return false;
            }
        }
        return true;
    }

    private static bool Allows(ProposalSubstructure p, EspSuite s) =>
        HasEncr(p, s.Encr, s.EncrKeyBits)
        && AllowsInteg(p, s.Integ)
        && (p.Find(TransformType.ESN) is null || Has(p, TransformType.ESN, (ushort)EsnId.NO_ESN));

    private static bool HasEncr(ProposalSubstructure p, EncrId id, int bits) => Any(p, t =>
        t.TransformType == TransformType.ENCR && t.TransformId == (ushort)id
        && (t.KeyLengthBits ?? (id == EncrId.ENCR_CHACHA20_POLY1305 ? bits : -1)) == bits);

    /// <summary>For an AEAD the proposal carries no INTEG transform, or only NONE.</summary>
    private static bool AllowsInteg(ProposalSubstructure p, IntegId integ) => integ == IntegId.NONE
        ? !Any(p, t => t.TransformType == TransformType.INTEG && t.TransformId != (ushort)IntegId.NONE)
        : Has(p, TransformType.INTEG, (ushort)integ);

    private static bool Has(ProposalSubstructure p, TransformType type, ushort id) =>
        Any(p, t => t.TransformType == type && t.TransformId == id);

    private static bool Any(ProposalSubstructure p, Func<TransformSubstructure, bool> match)
    {
        foreach (var t in p.Transforms)
        {
            if (match(t))
            {
                return true;
            }
        }
        return false;
    }
}
