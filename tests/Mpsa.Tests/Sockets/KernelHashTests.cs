using System.Security.Cryptography;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Sockets;

namespace Mpsa.Tests.Sockets;

/// <summary>
/// The kernel's hashes through AF_ALG. The kernel under these tests may lack AF_ALG (a container's, say): then the
/// tests check that it says why; the netlab's scenario 09 runs the agent on a kernel that has it (User-Mode Linux).
/// </summary>
public class KernelHashTests
{
    [Test]
    public void BindsToTheHashByTypeAndNameInASockaddrAlg()
    {
        byte[] address = KernelHash.Address("hash", "sha1");
        Assert.Multiple(() =>
        {
            Assert.That(address, Has.Length.EqualTo(88), "struct sockaddr_alg");
            Assert.That(BitConverter.ToUInt16(address, 0), Is.EqualTo(38), "AF_ALG");
            Assert.That(address[2..16], Is.EqualTo("hash"u8.ToArray().Concat(new byte[10]).ToArray()), "salg_type, NUL-padded");
            Assert.That(address[16..24], Is.All.Zero, "salg_feat, salg_mask");
            Assert.That(address[24..88], Is.EqualTo("sha1"u8.ToArray().Concat(new byte[60]).ToArray()), "salg_name, NUL-padded");
        });
        Assert.Throws<ArgumentException>(() => KernelHash.Address("hash", new string('x', 64)), "a name without room for its NUL");
    }

    [Test]
    public void HashesAsSystemSecurityCryptographyDoesOrSaysWhyNot()
    {
        using var sha1 = KernelHash.TryOpen("sha1", 20, out string? problem);
        if (sha1 is null)
        {
            Assert.That(problem, Does.StartWith("no AF_ALG socket: ").Or.StartWith("no kernel hash sha1: "));
            Assert.Pass($"this kernel: {problem}");
        }
        Assert.That(problem, Is.Null);
        foreach (int length in new[] { 0, 3, 36, 64, 1000 })
        {
            byte[] data = RandomNumberGenerator.GetBytes(length);
            var digest = new byte[20];
            sha1.Compute(data, digest);
#pragma warning disable CA5350 // the reference for the kernel's SHA-1
            Assert.That(digest, Is.EqualTo(SHA1.HashData(data)), $"{length} bytes");
#pragma warning restore CA5350
        }
        Assert.Throws<ArgumentException>(() => sha1.Compute([1], new byte[32]));
    }

    [Test]
    public void AnUnknownHashIsRefusedWithTheReason()
    {
        using var hash = KernelHash.TryOpen("no-such-hash", 20, out string? problem);
        Assert.That(hash, Is.Null);
        Assert.That(problem, Does.StartWith("no AF_ALG socket: ").Or.StartWith("no kernel hash no-such-hash: "));
    }

    [Test]
    [NonParallelizable]   // sets the process-wide SHA-1 source for a moment
    public void NatDetectionHashesWithTheSha1ItIsGiven()
    {
        var spiI = new IkeSpi(0x0102030405060708);
        var endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.1"), 4500);
        byte[] libssl = NatDetection.Hash(spiI, default, endpoint);
        var saved = NatDetection.Sha1;
        var seen = new List<byte[]>();
        try
        {
            NatDetection.Sha1 = (data, digest) =>
            {
                seen.Add(data.ToArray());
                digest.Fill(0xAB);
            };
            Assert.That(NatDetection.Hash(spiI, default, endpoint), Is.EqualTo(Enumerable.Repeat((byte)0xAB, 20).ToArray()));
        }
        finally
        {
            NatDetection.Sha1 = saved;
        }
        // RFC 7296 §2.23: SPIi | SPIr | address | port
        Assert.That(seen.Single(), Is.EqualTo(Convert.FromHexString("0102030405060708" + "0000000000000000" + "C0000201" + "1194")));
#pragma warning disable CA5350
        Assert.That(libssl, Is.EqualTo(SHA1.HashData(seen.Single())), "the default is libssl's SHA-1");
#pragma warning restore CA5350
    }
}
