using System.Security.Cryptography;

namespace Mpsa.Ike.Wire;

/// <summary>
/// Zeroes a buffer, or the TLV values of one transform type in a proposal, that held key material when its
/// <c>using</c> scope ends, normally or by an exception (the SK_d of an N(MPSA_PUT), draft-mpsa §3.2.2).
/// </summary>
internal readonly struct ZeroOnDispose : IDisposable
{
    private readonly byte[]? _bytes;
    private readonly ProposalSubstructure? _proposal;
    private readonly TransformType _type;

    public ZeroOnDispose(byte[] bytes) => _bytes = bytes;

    public ZeroOnDispose(ProposalSubstructure proposal, TransformType type)
    {
        _proposal = proposal;
        _type = type;
    }

    public void Dispose()
    {
        if (_bytes is not null)
        {
            CryptographicOperations.ZeroMemory(_bytes);
        }
        _proposal?.ZeroValues(_type);
    }
}
