using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>PRF_HMAC_* (RFC 2104 as a PRF; RFC 4868 §2.1 for SHA-2): output and preferred key length are the hash length.</summary>
internal sealed class HmacPrf : IPrf
{
    private readonly HmacHash _hash;

    public HmacPrf(PrfId id, HmacHash hash)
    {
        Id = id;
        _hash = hash;
        OutputLength = Hmac.OutputLength(hash);
    }

    public PrfId Id { get; }

    public int KeyLength => OutputLength;

    public int OutputLength { get; }

    public void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> output)
    {
        if (output.Length != OutputLength)
        {
            throw new ArgumentException($"{Id} output is {OutputLength} bytes.", nameof(output));
        }

        Hmac.Compute(_hash, key, data, output);
    }

    public byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var output = new byte[OutputLength];
        Hmac.Compute(_hash, key, data, output);
        return output;
    }

    public override string ToString() => Id.ToString();
}
