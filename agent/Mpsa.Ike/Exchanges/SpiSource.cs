using System.Buffers.Binary;
using Mpsa.Ike.Crypto;

namespace Mpsa.Ike.Exchanges;

/// <summary>SPIs from a CSPRNG. ESP SPIs 1-255 are reserved by IANA (RFC 4303 §2.1).</summary>
public static class SpiSource
{
    public static uint Random(IRandom random)
    {
        Span<byte> b = stackalloc byte[4];
        uint v;
        do
        {
            random.Fill(b);
            v = BinaryPrimitives.ReadUInt32BigEndian(b);
        }
        while (v < 256);
        return v;
    }

    public static ulong RandomIkeSpi(IRandom random)
    {
        Span<byte> b = stackalloc byte[8];
        ulong v;
        do
        {
            random.Fill(b);
            v = BinaryPrimitives.ReadUInt64BigEndian(b);
        }
        while (v == 0);
        return v;
    }
}
