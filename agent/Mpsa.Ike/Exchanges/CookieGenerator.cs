using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 7296 §2.6 stateless cookies: Cookie = &lt;VersionIDofSecret&gt; | Hash(Ni | IPi | SPIi | &lt;secret&gt;),
/// here with HMAC-SHA-256 keyed by the secret (no libssl). The previous secret stays valid after a rotation.
/// </summary>
internal sealed class CookieGenerator : IDisposable
{
    private const int MacLength = 16;
    private readonly IRandom _random;
    private readonly IPrf _prf = Prf.Create(PrfId.PRF_HMAC_SHA2_256);
    private SecretBytes _current;
    private SecretBytes? _previous;
    private uint _version;

    public CookieGenerator(IRandom random)
    {
        _random = random;
        _current = NewSecret();
    }

    public void Rotate()
    {
        _previous?.Dispose();
        _previous = _current;
        _current = NewSecret();
        _version++;
    }

    public byte[] Make(ReadOnlySpan<byte> ni, IPEndPoint from, IkeSpi spiI)
    {
        var cookie = new byte[4 + MacLength];
        BinaryPrimitives.WriteUInt32BigEndian(cookie, _version);
        Mac(_current, ni, from, spiI).AsSpan(0, MacLength).CopyTo(cookie.AsSpan(4));
        return cookie;
    }

    public bool Verify(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> ni, IPEndPoint from, IkeSpi spiI)
    {
        if (cookie.Length != 4 + MacLength)
        {
            return false;
        }
        uint version = BinaryPrimitives.ReadUInt32BigEndian(cookie);
        var secret = version == _version ? _current : version + 1 == _version ? _previous : null;
        return secret is not null && CryptographicOperations.FixedTimeEquals(cookie[4..], Mac(secret, ni, from, spiI).AsSpan(0, MacLength));
    }

    private byte[] Mac(SecretBytes secret, ReadOnlySpan<byte> ni, IPEndPoint from, IkeSpi spiI)
    {
        byte[] ip = from.Address.GetAddressBytes();
        var input = new byte[ni.Length + ip.Length + 8];
        ni.CopyTo(input);
        ip.CopyTo(input, ni.Length);
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(ni.Length + ip.Length), spiI.Value);
        return _prf.Compute(secret.Span, input);
    }

    private SecretBytes NewSecret()
    {
        var s = new SecretBytes(32);
        _random.Fill(s.WritableSpan);
        return s;
    }

    public void Dispose()
    {
        _current.Dispose();
        _previous?.Dispose();
    }
}
