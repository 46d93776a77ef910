namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.3.2 Transform Substructure (also the MPSA_PUT transforms of draft §3.2.2).</summary>
/// <remarks>
///   Last Substruc (1: 0 last, 3 more) | RESERVED (1) | Transform Length (2) |
///   Transform Type (1) | RESERVED (1) | Transform ID (2) | Transform Attributes
/// </remarks>
public sealed record TransformSubstructure(TransformType TransformType, ushort TransformId, IReadOnlyList<TransformAttribute> Attributes)
{
    public const byte More = 3;
    public const int HeaderLength = 8;

    public TransformSubstructure(TransformType type, ushort id) : this(type, id, []) { }

    public int Length
    {
        get
        {
            int length = HeaderLength;
            for (int i = 0; i < Attributes.Count; i++)
            {
                var a = Attributes[i];
                length = checked(length + a.Length);
            }
            return length;
        }
    }

    /// <summary>The Key Length attribute in bits (RFC 7296 §3.3.5), or null when absent.</summary>
    public int? KeyLengthBits
    {
        get
        {
            for (int i = 0; i < Attributes.Count; i++)
            {
                var a = Attributes[i];
                if (a.AttributeType == TransformAttributeType.KeyLength && a.IsTv)
                {
                    return a.TvValue;
                }
            }
            return null;
        }
    }

    public static TransformSubstructure WithKeyLength(TransformType type, ushort id, int bits) =>
        new(type, id, [TransformAttribute.Tv(TransformAttributeType.KeyLength, checked((ushort)bits))]);

    public static TransformSubstructure Decode(ref IkeReader r, bool expectLast)
    {
        int at = r.Offset;
        byte last = r.ReadUInt8("transform last substruc");
        r.ReadUInt8("transform reserved");
        int length = r.ReadUInt16("transform length");
        var body = r.SubByLength(length, 4, "transform", at);
        if (last != (expectLast ? 0 : More))
        {
            IkeParse.Fail(IkeParseError.CountMismatch, "transform last substruc", at);
        }
        var type = (TransformType)body.ReadUInt8("transform type");
        body.ReadUInt8("transform reserved");
        ushort id = body.ReadUInt16("transform ID");
        var attributes = new List<TransformAttribute>();
        try
        {
            while (body.Remaining > 0)
            {
                attributes.Add(TransformAttribute.Decode(ref body));
            }
        }
        catch
        {
            // A transform that fails to decode leaves no copy of what it read (an MPSA_PUT's SK_d).
            foreach (var a in attributes)
            {
                a.ZeroValue();
            }
            throw;
        }
        return new TransformSubstructure(type, id, attributes);
    }

    /// <summary>Zeroes the TLV values, which may be key material (the SK_d of an MPSA_PUT).</summary>
    internal void ZeroValues()
    {
        for (int i = 0; i < Attributes.Count; i++)
        {
            var a = Attributes[i];
            a.ZeroValue();
        }
    }

    public void Encode(ref IkeWriter w, bool isLast)
    {
        w.WriteUInt8(isLast ? (byte)0 : More);
        w.WriteUInt8(0);
        w.WriteUInt16(checked((ushort)Length));
        w.WriteUInt8((byte)TransformType);
        w.WriteUInt8(0);
        w.WriteUInt16(TransformId);
        for (int i = 0; i < Attributes.Count; i++)
        {
            var a = Attributes[i];
            a.Encode(ref w);
        }
    }
}
