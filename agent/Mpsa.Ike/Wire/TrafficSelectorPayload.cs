namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.13 Traffic Selector Payload (TSi or TSr).</summary>
/// <remarks>Number of TSs (1) | RESERVED (3) | Traffic Selectors</remarks>
public sealed record TrafficSelectorPayload(PayloadType Type, IReadOnlyList<TrafficSelector> Selectors) : IPayload
{
    public int BodyLength
    {
        get
        {
            int length = 4;
            for (int i = 0; i < Selectors.Count; i++)
            {
                var s = Selectors[i];
                length = checked(length + s.Length);
            }
            return length;
        }
    }

    public static TrafficSelectorPayload Decode(PayloadType type, ref IkeReader r)
    {
        int at = r.Offset;
        int count = r.ReadUInt8("TS count");
        r.Take(3, "TS reserved");
        if (count == 0)
        {
            IkeParse.Fail(IkeParseError.CountMismatch, "TS count", at);
        }
        var selectors = new List<TrafficSelector>(count);
        for (int i = 0; i < count; i++)
        {
            selectors.Add(TrafficSelector.Decode(ref r));
        }
        if (r.Remaining != 0)
        {
            IkeParse.Fail(IkeParseError.CountMismatch, "TS count", at);
        }
        return new TrafficSelectorPayload(type, selectors);
    }

    public void EncodeBody(ref IkeWriter w)
    {
        w.WriteUInt8(checked((byte)Selectors.Count));
        w.WriteZeros(3);
        for (int i = 0; i < Selectors.Count; i++)
        {
            var s = Selectors[i];
            s.Encode(ref w);
        }
    }
}
