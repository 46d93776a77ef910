using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>IKE SA key derivation (RFC 7296 §2.14, and §2.18 for rekeying), formula above each step (strongSwan keymat_v2.c).</summary>
public static class IkeKeySchedule
{
    /// <summary>
    /// <code>
    /// SKEYSEED = prf(Ni | Nr, g^ir)
    /// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
    /// </code>
    /// </summary>
    public static IkeSaKeys Derive(IkeSuite suite, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, ulong spiI, ulong spiR)
    {
        ArgumentNullException.ThrowIfNull(suite);
        IPrf prf = Prf.Create(suite.Prf);
        Span<byte> skeyseed = stackalloc byte[prf.OutputLength];
        try
        {
            ComputeSkeyseed(prf, sharedSecret, ni, nr, skeyseed);
            return Expand(suite, prf, skeyseed, ni, nr, spiI, spiR);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(skeyseed);
        }
    }

    // SKEYSEED = prf(Ni | Nr, g^ir). HMAC PRFs take the whole Ni | Nr as the key (RFC 7296 §2.14).
    private static void ComputeSkeyseed(IPrf prf, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, Span<byte> skeyseed)
    {
        byte[] niNr = [.. ni, .. nr];
        prf.Compute(niNr, sharedSecret, skeyseed);
    }

    /// <summary>As <see cref="Derive"/>, also returning SKEYSEED (for known-answer tests); the caller disposes both.</summary>
    internal static (IkeSaKeys Keys, SecretBytes Skeyseed) DeriveWithSkeyseed(
        IkeSuite suite, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, ulong spiI, ulong spiR)
    {
        ArgumentNullException.ThrowIfNull(suite);
        IPrf prf = Prf.Create(suite.Prf);

        var skeyseed = new SecretBytes(prf.OutputLength);
        try
        {
            ComputeSkeyseed(prf, sharedSecret, ni, nr, skeyseed.WritableSpan);
            return (Expand(suite, prf, skeyseed.Span, ni, nr, spiI, spiR), skeyseed);
        }
        catch
        {
            skeyseed.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §2.18): the old SA's PRF and SK_d make SKEYSEED, the new suite's PRF expands it.
    /// With additional key exchanges (IKE_FOLLOWUP_KE, RFC 9370 §2.2.4) their secrets follow the nonces, in order, and
    /// the keys are derived once, after the last of them.
    /// <code>
    /// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr [| SK(1) | ... | SK(n)])
    /// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
    /// </code>
    /// </summary>
    public static IkeSaKeys DeriveRekeyed(
        IkeSuite suite, IPrf oldPrf, ReadOnlySpan<byte> oldSkD, ReadOnlySpan<byte> sharedSecret,
        ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, ulong spiI, ulong spiR, ReadOnlySpan<byte> additionalSecrets = default)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(oldPrf);
        using var input = new SecretBytes(sharedSecret.Length + ni.Length + nr.Length + additionalSecrets.Length);
        sharedSecret.CopyTo(input.WritableSpan);
        ni.CopyTo(input.WritableSpan[sharedSecret.Length..]);
        nr.CopyTo(input.WritableSpan[(sharedSecret.Length + ni.Length)..]);
        additionalSecrets.CopyTo(input.WritableSpan[(sharedSecret.Length + ni.Length + nr.Length)..]);

        // SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr [| SK(1) ...])
        using var skeyseed = new SecretBytes(oldPrf.OutputLength);
        oldPrf.Compute(oldSkD, input.Span, skeyseed.WritableSpan);
        return Expand(suite, Prf.Create(suite.Prf), skeyseed.Span, ni, nr, spiI, spiR);
    }

    private static IkeSaKeys Expand(IkeSuite suite, IPrf prf, ReadOnlySpan<byte> skeyseed, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, ulong spiI, ulong spiR)
    {
        if (!suite.IsSupported)
        {
            throw new NotSupportedException($"IKE suite {suite} is not supported.");
        }

        // Ni | Nr | SPIi | SPIr (SPIs as on the wire, 8 bytes big-endian).
        byte[] seed = new byte[ni.Length + nr.Length + 16];
        ni.CopyTo(seed);
        nr.CopyTo(seed.AsSpan(ni.Length));
        BinaryPrimitives.WriteUInt64BigEndian(seed.AsSpan(ni.Length + nr.Length), spiI);
        BinaryPrimitives.WriteUInt64BigEndian(seed.AsSpan(ni.Length + nr.Length + 8), spiR);

        // SK_d, SK_pi and SK_pr have the PRF's preferred key length; SK_a* the INTEG key length; SK_e* the ENCR key length.
        int d = prf.KeyLength;
        int a = suite.IntegKeyLength;
        int e = suite.EncrKeyLength;
        int p = prf.KeyLength;

        // {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), on the stack
        // (zeroed below) until each key is copied out into its own SecretBytes
        Span<byte> keymat = stackalloc byte[d + (2 * a) + (2 * e) + (2 * p)];
        try
        {
            PrfPlus.Derive(prf, skeyseed, seed, keymat);
            ReadOnlySpan<byte> k = keymat;
            int offset = 0;
            SecretBytes Take(int length, ReadOnlySpan<byte> source)
            {
                SecretBytes part = SecretBytes.CopyFrom(source.Slice(offset, length));
                offset += length;
                return part;
            }

            return new IkeSaKeys(suite, Take(d, k), Take(a, k), Take(a, k), Take(e, k), Take(e, k), Take(p, k), Take(p, k));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keymat);
        }
    }
}
