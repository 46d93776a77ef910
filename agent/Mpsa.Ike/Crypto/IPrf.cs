using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>A negotiated pseudorandom function (RFC 7296 §3.3.2, Transform Type 2).</summary>
public interface IPrf
{
    PrfId Id { get; }

    /// <summary>Preferred key length in bytes (RFC 7296 §2.13): the output length for HMAC PRFs.</summary>
    int KeyLength { get; }

    int OutputLength { get; }

    /// <summary>Writes prf(<paramref name="key"/>, <paramref name="data"/>); <paramref name="output"/> is exactly <see cref="OutputLength"/> bytes. Any key length works.</summary>
    void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> output);

    byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data);
}
