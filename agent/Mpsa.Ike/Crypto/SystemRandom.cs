using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>The operating system's CSPRNG. <see cref="RandomNumberGenerator"/> does not load libssl.</summary>
public sealed class SystemRandom : IRandom
{
    public static readonly SystemRandom Instance = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
