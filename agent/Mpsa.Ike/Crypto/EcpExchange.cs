using System.Security.Cryptography;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Groups 19 and 20, NIST P-256 and P-384 (RFC 5903) with System.Security.Cryptography (needs libssl).
/// KE data is x | y without the 0x04 prefix, g^ir is the x coordinate only (RFC 5903 §7).
/// The private key d comes from <see cref="IRandom"/> (redrawn until 1 ≤ d &lt; n) and is imported with
/// <see cref="ECDiffieHellman.ImportParameters"/>, which computes Q from D.
/// </summary>
internal sealed class EcpExchange : IDhExchange
{
    // Group orders n (FIPS 186-4 §D.1.2.3 and §D.1.2.4).
    private static readonly byte[] s_orderP256 = Convert.FromHexString(
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    private static readonly byte[] s_orderP384 = Convert.FromHexString(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973");

    private readonly ECDiffieHellman _ecdh;
    private readonly ECCurve _curve;
    private readonly int _coordinateLength;

    public EcpExchange(DhGroup group, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        (_curve, _coordinateLength, byte[] order) = group switch
        {
            // The curves by OID value and name, as ECCurve.NamedCurves gives them, but without its lookup by friendly
            // name, which brings the runtime's OID tables into the agent's binary.
            DhGroup.ECP_256 => (ECCurve.CreateFromOid(new Oid("1.2.840.10045.3.1.7", "nistP256")), 32, s_orderP256),
            DhGroup.ECP_384 => (ECCurve.CreateFromOid(new Oid("1.3.132.0.34", "nistP384")), 48, s_orderP384),
            _ => throw new ArgumentOutOfRangeException(nameof(group)),
        };
        Group = group;

        byte[] d = GC.AllocateArray<byte>(_coordinateLength, pinned: true);
        try
        {
            do
            {
                random.Fill(d);
            }
            while (d.AsSpan().IndexOfAnyExcept((byte)0) < 0 || d.AsSpan().SequenceCompareTo(order) >= 0);

            _ecdh = ECDiffieHellman.Create();
            _ecdh.ImportParameters(new ECParameters { Curve = _curve, D = d });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }

        ECPoint q = _ecdh.ExportParameters(includePrivateParameters: false).Q;
        PublicValue = [.. q.X!, .. q.Y!];
    }

    public DhGroup Group { get; }

    public byte[] PublicValue { get; }

    public SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        if (peerPublicValue.Length != 2 * _coordinateLength)
        {
            return null;
        }

        var point = new ECPoint
        {
            X = peerPublicValue[.._coordinateLength].ToArray(),
            Y = peerPublicValue[_coordinateLength..].ToArray(),
        };

        byte[]? x = null;
        try
        {
            // Import checks that the point lies on the curve and is not the point at infinity.
            using var peer = ECDiffieHellman.Create(new ECParameters { Curve = _curve, Q = point });
            x = _ecdh.DeriveRawSecretAgreement(peer.PublicKey);
            return x.Length == _coordinateLength ? SecretBytes.CopyFrom(x) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            if (x is not null)
            {
                CryptographicOperations.ZeroMemory(x);
            }
        }
    }

    public void Dispose() => _ecdh.Dispose();
}
