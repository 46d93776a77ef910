using System.Buffers.Binary;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// What the IKE_INTERMEDIATE exchanges add to the AUTH payload (RFC 9242 §3.3.2): each side's messages chained through
/// the PRF under the SK_p that protected them (the keys before the update that follows the exchange),
/// <code>
/// IntAuth_i(n) = prf(SK_pi(n), IntAuth_i(n-1) | IntAuth_i(n)_A | IntAuth_i(n)_P)      (IntAuth_i(0) empty)
/// IntAuth_r(n) = prf(SK_pr(n), IntAuth_r(n-1) | IntAuth_r(n)_A | IntAuth_r(n)_P)
/// </code>
/// and appended to both signed octets as <c>IntAuth_i | IntAuth_r | IKE_AUTH_MID</c>.
/// </summary>
internal sealed class IntermediateAuth
{
    private byte[] _initiator = [];
    private byte[] _responder = [];

    /// <summary>Adds one IKE_INTERMEDIATE message: sent by the IKE initiator (a request) or by the responder.</summary>
    public void Add(bool fromInitiator, IPrf prf, IkeSaKeys keysOfTheMessage, IkeHeader header, IReadOnlyList<IPayload> inner)
    {
        byte[] data = IkeMessage.IntermediateAuthData(header, inner);
        byte[] previous = fromInitiator ? _initiator : _responder;
        byte[] input = [.. previous, .. data];
        byte[] next = prf.Compute(fromInitiator ? keysOfTheMessage.SkPi.Span : keysOfTheMessage.SkPr.Span, input);
        if (fromInitiator)
        {
            _initiator = next;
        }
        else
        {
            _responder = next;
        }
    }

    /// <summary>IntAuth_i | IntAuth_r | IKE_AUTH_MID, the Message ID of the first IKE_AUTH message (4 octets).</summary>
    public byte[] ForAuth(uint ikeAuthMessageId)
    {
        var octets = new byte[_initiator.Length + _responder.Length + 4];
        _initiator.CopyTo(octets, 0);
        _responder.CopyTo(octets, _initiator.Length);
        BinaryPrimitives.WriteUInt32BigEndian(octets.AsSpan(_initiator.Length + _responder.Length), ikeAuthMessageId);
        return octets;
    }
}
