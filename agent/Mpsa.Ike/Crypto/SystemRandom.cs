namespace Mpsa.Ike.Crypto;

/// <summary>
/// The operating system's CSPRNG through libsodium's <c>randombytes_buf</c> (getrandom on Linux).
/// Not <see cref="System.Security.Cryptography.RandomNumberGenerator"/>: on Linux that initialises the OpenSSL
/// shim, and the process aborts where libssl is missing (measured on .NET 10.0.12, see <see cref="Libsodium"/>).
/// </summary>
public sealed class SystemRandom : IRandom
{
    public static readonly SystemRandom Instance = new();

    public void Fill(Span<byte> destination) => Libsodium.RandomBytes(destination);
}
