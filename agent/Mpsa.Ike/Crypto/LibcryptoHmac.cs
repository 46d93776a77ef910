using System.Runtime.InteropServices;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// HMAC-SHA-256 through OpenSSL's libcrypto (libcrypto.so.3, the <c>EVP_MAC</c> API). Its SHA-256 uses the CPU's SHA
/// extensions where they exist: three times libsodium's portable SHA-256 per IKE SA on the controller's cores. Used only
/// once a process turns it on (<see cref="HmacLibrary.PreferLibcrypto"/>: the controller); the agent keeps libsodium and needs
/// no libssl.
/// </summary>
/// <remarks>
/// Contexts are pooled (making one fetches the digest, which costs more than the MAC), each set to SHA-256 once and
/// keyed per use. A pooled context keeps the padded-key state of its last key until its next use.
/// Plain <see cref="DllImportAttribute"/> with <c>ref byte</c>: blittable, no unsafe code, NativeAOT-safe.
/// </remarks>
internal static class LibcryptoHmac
{
    private const string Library = "libcrypto.so.3";
    private const int MacLength = 32;
    private const int PooledContexts = 16;
    private const uint OsslParamUtf8String = 4;   // OSSL_PARAM_UTF8_STRING

    private static readonly Lazy<bool> s_available = new(Probe);
    private static readonly Lazy<nint> s_mac = new(Fetch);
    private static readonly Stack<nint> s_pool = new();

    /// <summary>Whether libcrypto.so.3 loads here and computes RFC 4231's first HMAC-SHA-256 (checked once).</summary>
    public static bool IsAvailable => s_available.Value;

    /// <summary>HMAC-SHA-256(<paramref name="key"/>, <paramref name="data"/>) into the 32 bytes of <paramref name="mac"/>; the key is not empty.</summary>
    public static void Sha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        using var keyed = new Keyed(key);
        keyed.Compute(data, mac);
    }

    /// <summary>A pooled context holding one key, for the many blocks of prf+ (each block hashes the padded key no more).</summary>
    public struct Keyed : IDisposable
    {
        private nint _context;
        private bool _fresh;

        public Keyed(ReadOnlySpan<byte> key)
        {
            if (key.IsEmpty)
            {
                throw new ArgumentException("libcrypto's HMAC takes an empty key as 'the same key again'.", nameof(key));
            }
            _context = Rent();
            if (EVP_MAC_init(_context, ref MemoryMarshal.GetReference(key), (nuint)key.Length, 0) != 1)
            {
                Dispose();
                throw new InvalidOperationException("libcrypto could not key HMAC-SHA-256.");
            }
            _fresh = true;
        }

        /// <summary>HMAC of <paramref name="data"/> under this key; <paramref name="mac"/> is 32 bytes.</summary>
        public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
        {
            if (mac.Length != MacLength)
            {
                throw new ArgumentException("HMAC-SHA-256 output is 32 bytes.", nameof(mac));
            }
            // after a final, init without a key starts again from the same key
            bool ok = (_fresh || EVP_MAC_init(_context, ref NullByte(), 0, 0) == 1)
                && EVP_MAC_update(_context, ref MemoryMarshal.GetReference(data), (nuint)data.Length) == 1
                && EVP_MAC_final(_context, ref MemoryMarshal.GetReference(mac), out nuint written, (nuint)mac.Length) == 1
                && written == MacLength;
            _fresh = false;
            if (!ok)
            {
                throw new InvalidOperationException("libcrypto HMAC-SHA-256 failed.");
            }
        }

        public void Dispose()
        {
            if (_context != 0)
            {
                Return(_context);
                _context = 0;
            }
        }
    }

    private static ref byte NullByte() => ref MemoryMarshal.GetReference(Span<byte>.Empty);

    private static nint Rent()
    {
        lock (s_pool)
        {
            if (s_pool.TryPop(out nint pooled))
            {
                return pooled;
            }
        }
        return NewContext();
    }

    private static void Return(nint context)
    {
        lock (s_pool)
        {
            if (s_pool.Count < PooledContexts)
            {
                s_pool.Push(context);
                return;
            }
        }
        EVP_MAC_CTX_free(context);
    }

    /// <summary>A context of the HMAC algorithm with SHA-256 as its digest (OSSL_MAC_PARAM_DIGEST), not keyed yet.</summary>
    private static nint NewContext()
    {
        nint mac = s_mac.Value;
        nint context = mac == 0 ? 0 : EVP_MAC_CTX_new(mac);
        if (context == 0)
        {
            throw new InvalidOperationException("libcrypto could not make an HMAC context.");
        }
        // OSSL_PARAM[2] = { { "digest", UTF8_STRING, "SHA256", 6, unmodified }, { NULL } }: five pointer-sized fields each
        nint name = Marshal.StringToCoTaskMemUTF8("digest");
        nint digest = Marshal.StringToCoTaskMemUTF8("SHA256");
        int field = IntPtr.Size;
        nint parameters = Marshal.AllocHGlobal(10 * field);
        try
        {
            for (int i = 0; i < 10; i++)
            {
                Marshal.WriteIntPtr(parameters, i * field, 0);
            }
            Marshal.WriteIntPtr(parameters, 0, name);
            Marshal.WriteInt32(parameters, field, (int)OsslParamUtf8String);
            Marshal.WriteIntPtr(parameters, 2 * field, digest);
            Marshal.WriteIntPtr(parameters, 3 * field, "SHA256".Length);
            Marshal.WriteIntPtr(parameters, 4 * field, -1);
            if (EVP_MAC_CTX_set_params(context, parameters) != 1)
            {
                EVP_MAC_CTX_free(context);
                throw new InvalidOperationException("libcrypto has no HMAC with SHA-256.");
            }
            return context;
        }
        finally
        {
            Marshal.FreeHGlobal(parameters);
            Marshal.FreeCoTaskMem(name);
            Marshal.FreeCoTaskMem(digest);
        }
    }

    private static nint Fetch()
    {
        nint name = Marshal.StringToCoTaskMemUTF8("HMAC");
        try
        {
            return EVP_MAC_fetch(0, name, 0);
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
    }

    private static bool Probe()
    {
        if (!NativeLibrary.TryLoad(Library, out var handle))
        {
            return false;
        }
        bool exports = NativeLibrary.TryGetExport(handle, "EVP_MAC_fetch", out _) && NativeLibrary.TryGetExport(handle, "EVP_MAC_CTX_set_params", out _);
        NativeLibrary.Free(handle);
        if (!exports)
        {
            return false;
        }
        try
        {
            // RFC 4231 §4.2, test case 1
            Span<byte> key = stackalloc byte[20];
            key.Fill(0x0b);
            Span<byte> mac = stackalloc byte[MacLength];
            Sha256(key, "Hi There"u8, mac);
            return Convert.ToHexStringLower(mac) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport generates unsafe code; this project disallows unsafe blocks and these signatures are blittable.
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nint EVP_MAC_fetch(nint libraryContext, nint algorithm, nint properties);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nint EVP_MAC_CTX_new(nint mac);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern void EVP_MAC_CTX_free(nint context);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int EVP_MAC_CTX_set_params(nint context, nint parameters);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int EVP_MAC_init(nint context, ref byte key, nuint keyLength, nint parameters);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int EVP_MAC_update(nint context, ref byte data, nuint length);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int EVP_MAC_final(nint context, ref byte output, out nuint written, nuint size);
#pragma warning restore SYSLIB1054
}
