namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.3.1 Proposal Substructure (also the Proposal-like substructure of MPSA_PUT, draft §3.2.2).</summary>
/// <remarks>
///   Last Substruc (1: 0 last, 2 more) | RESERVED (1) | Proposal Length (2) |
///   Proposal Num (1) | Protocol ID (1) | SPI Size (1) | Num Transforms (1) | SPI (variable) | Transforms
/// </remarks>
public sealed record ProposalSubstructure(byte ProposalNum, ProtocolId ProtocolId, byte[] Spi, IReadOnlyList<TransformSubstructure> Transforms)
{
    public const byte More = 2;
    public const int HeaderLength = 8;

    public int Length
    {
        get
        {
            int length = HeaderLength + Spi.Length;
            for (int i = 0; i < Transforms.Count; i++)
            {
                var t = Transforms[i];
                length = checked(length + t.Length);
            }
            return length;
        }
    }

    public TransformSubstructure? Find(TransformType type)
    {
        for (int i = 0; i < Transforms.Count; i++)
        {
            var t = Transforms[i];
            if (t.TransformType == type)
            {
                return t;
            }
        }
        return null;
    }

    public static ProposalSubstructure Decode(ref IkeReader r, bool expectLast)
    {
        int at = r.Offset;
        byte last = r.ReadUInt8("proposal last substruc");
        r.ReadUInt8("proposal reserved");
        int length = r.ReadUInt16("proposal length");
        var body = r.SubByLength(length, 4, "proposal", at);
        if (last != (expectLast ? 0 : More))
        {
            IkeParse.Fail(IkeParseError.CountMismatch, "proposal last substruc", at);
        }
        byte number = body.ReadUInt8("proposal num");
        var protocol = (ProtocolId)body.ReadUInt8("proposal protocol ID");
        int spiSize = body.ReadUInt8("proposal SPI size");
        int count = body.ReadUInt8("proposal num transforms");
        byte[] spi = body.Take(spiSize, "proposal SPI").ToArray();
        var transforms = new List<TransformSubstructure>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                if (body.Remaining == 0)
                {
                    IkeParse.Fail(IkeParseError.CountMismatch, "proposal num transforms", at + 7);
                }
                transforms.Add(TransformSubstructure.Decode(ref body, expectLast: i == count - 1));
            }
            if (body.Remaining != 0)
            {
                IkeParse.Fail(IkeParseError.CountMismatch, "proposal num transforms", at + 7);
            }
        }
        catch
        {
            // A proposal that fails to decode leaves no copy of what it read (an MPSA_PUT's SK_d).
            foreach (var t in transforms)
            {
                t.ZeroValues();
            }
            throw;
        }
        return new ProposalSubstructure(number, protocol, spi, transforms);
    }

    /// <summary>Zeroes the TLV values of the transforms of <paramref name="type"/> (SKD: an MPSA_PUT's SK_d).</summary>
    internal void ZeroValues(TransformType type)
    {
        for (int i = 0; i < Transforms.Count; i++)
        {
            var t = Transforms[i];
            if (t.TransformType == type)
            {
                t.ZeroValues();
            }
        }
    }

    public void Encode(ref IkeWriter w, bool isLast)
    {
        w.WriteUInt8(isLast ? (byte)0 : More);
        w.WriteUInt8(0);
        w.WriteUInt16(checked((ushort)Length));
        w.WriteUInt8(ProposalNum);
        w.WriteUInt8((byte)ProtocolId);
        w.WriteUInt8(checked((byte)Spi.Length));
        w.WriteUInt8(checked((byte)Transforms.Count));
        w.Write(Spi);
        for (int i = 0; i < Transforms.Count; i++)
        {
            Transforms[i].Encode(ref w, i == Transforms.Count - 1);
        }
    }
}
