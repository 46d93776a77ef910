namespace Mpsa.Ike.Crypto;

/// <summary>Source of SPIs, nonces, IVs and private keys; injected so tests can replay an exchange.</summary>
public interface IRandom
{
    void Fill(Span<byte> destination);
}
