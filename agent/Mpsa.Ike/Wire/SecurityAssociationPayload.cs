namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.3 Security Association Payload: one or more proposals, numbered from 1.</summary>
public sealed record SecurityAssociationPayload(IReadOnlyList<ProposalSubstructure> Proposals) : IPayload
{
    public PayloadType Type => PayloadType.SA;

    public int BodyLength
    {
        get
        {
            int length = 0;
            for (int i = 0; i < Proposals.Count; i++)
            {
                var p = Proposals[i];
                length = checked(length + p.Length);
            }
            return length;
        }
    }

    public static SecurityAssociationPayload Decode(ref IkeReader r)
    {
        int at = r.Offset;
        var proposals = new List<ProposalSubstructure>();
        if (r.Remaining == 0)
        {
            IkeParse.Fail(IkeParseError.MissingPayload, "SA proposals", at);
        }
        while (r.Remaining > 0)
        {
            // The "more proposals" flag must agree with what remains (OpenIKED): peek the flag, then let Decode check it.
            bool last = r.Remaining >= 1 && PeekLastFlag(r) == 0;
            proposals.Add(ProposalSubstructure.Decode(ref r, expectLast: last));
            if (last)
            {
                r.ExpectEnd("SA payload");
            }
            else if (r.Remaining == 0)
            {
                IkeParse.Fail(IkeParseError.CountMismatch, "proposal last substruc", r.Offset);
            }
        }
        return new SecurityAssociationPayload(proposals);
    }

    private static byte PeekLastFlag(IkeReader copy) => copy.ReadUInt8("proposal last substruc");

    public void EncodeBody(ref IkeWriter w)
    {
        for (int i = 0; i < Proposals.Count; i++)
        {
            Proposals[i].Encode(ref w, i == Proposals.Count - 1);
        }
    }
}
