using System.Runtime.InteropServices;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Modular exponentiation through OpenSSL's libcrypto (libcrypto.so.3, on every server that runs .NET and in OpenWrt's
/// libopenssl3): <c>BN_mod_exp_mont_consttime</c>, the constant-time Montgomery ladder OpenSSL's own DH uses for
/// private exponents. MODP-2048 is offered only where the library loads (<see cref="IsAvailable"/>).
/// Plain <see cref="DllImportAttribute"/> with pointers and <c>ref byte</c>: blittable, no unsafe code, NativeAOT-safe.
/// </summary>
internal sealed class LibcryptoModExp : IDisposable
{
    private const string Library = "libcrypto.so.3";
    private const int BnFlagConstTime = 0x04;   // BN_FLG_CONSTTIME

    private static readonly Lazy<bool> s_available = new(Probe);

    private readonly nint _modulus;
    private readonly nint _montgomery;
    private readonly int _length;

    /// <summary>Whether libcrypto.so.3 loads here (probed once; no System.Security.Cryptography involved).</summary>
    public static bool IsAvailable => s_available.Value;

    /// <param name="modulus">Big-endian, the length of every value this context reads and writes.</param>
    public LibcryptoModExp(ReadOnlySpan<byte> modulus)
    {
        _length = modulus.Length;
        _modulus = BN_bin2bn(ref MemoryMarshal.GetReference(modulus), modulus.Length, 0);
        nint ctx = BN_CTX_new();
        _montgomery = BN_MONT_CTX_new();
        try
        {
            if (_modulus == 0 || ctx == 0 || _montgomery == 0 || BN_MONT_CTX_set(_montgomery, _modulus, ctx) != 1)
            {
                Dispose();
                throw new InvalidOperationException("libcrypto could not set up the Montgomery context.");
            }
        }
        finally
        {
            BN_CTX_free(ctx);
        }
    }

    /// <summary>
    /// <paramref name="result"/> = <paramref name="value"/>^<paramref name="exponent"/> mod p, left-padded to the
    /// modulus length. The exponent is secret: loaded as a constant-time BIGNUM and cleared when freed. Safe to call from
    /// several threads at once (the Montgomery context is only read).
    /// </summary>
    public void Power(ReadOnlySpan<byte> value, ReadOnlySpan<byte> exponent, Span<byte> result)
    {
        if (value.Length != _length || result.Length != _length || exponent.IsEmpty)
        {
            throw new ArgumentException("value and result have the modulus's length; the exponent is not empty.");
        }
        nint a = BN_bin2bn(ref MemoryMarshal.GetReference(value), value.Length, 0);
        nint e = BN_bin2bn(ref MemoryMarshal.GetReference(exponent), exponent.Length, 0);
        nint r = BN_new();
        nint ctx = BN_CTX_new();
        try
        {
            if (a == 0 || e == 0 || r == 0 || ctx == 0)
            {
                throw new InvalidOperationException("libcrypto could not allocate a BIGNUM.");
            }
            BN_set_flags(e, BnFlagConstTime);
            if (BN_mod_exp_mont_consttime(r, a, e, _modulus, ctx, _montgomery) != 1
                || BN_bn2binpad(r, ref MemoryMarshal.GetReference(result), result.Length) != result.Length)
            {
                throw new InvalidOperationException("libcrypto modular exponentiation failed.");
            }
        }
        finally
        {
            BN_clear_free(e);
            BN_clear_free(r);
            BN_free(a);
            BN_CTX_free(ctx);
        }
    }

    public void Dispose()
    {
        BN_MONT_CTX_free(_montgomery);
        BN_free(_modulus);
    }

    private static bool Probe()
    {
        if (!NativeLibrary.TryLoad(Library, out var handle))
        {
            return false;
        }
        bool ok = NativeLibrary.TryGetExport(handle, "BN_mod_exp_mont_consttime", out _);
        NativeLibrary.Free(handle);
        return ok;
    }

#pragma warning disable SYSLIB1054 // LibraryImport generates unsafe code; this project disallows unsafe blocks and these signatures are blittable.
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nint BN_new();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern void BN_free(nint a);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern void BN_clear_free(nint a);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nint BN_bin2bn(ref byte s, int len, nint ret);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int BN_bn2binpad(nint a, ref byte to, int tolen);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern void BN_set_flags(nint b, int n);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nint BN_CTX_new();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern void BN_CTX_free(nint c);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nint BN_MONT_CTX_new();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern void BN_MONT_CTX_free(nint mont);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int BN_MONT_CTX_set(nint mont, nint mod, nint ctx);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int BN_mod_exp_mont_consttime(nint rr, nint a, nint p, nint m, nint ctx, nint inMont);
#pragma warning restore SYSLIB1054
}
