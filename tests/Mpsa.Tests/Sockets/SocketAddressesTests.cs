using System.Net;
using System.Net.Sockets;
using Mpsa.Sockets;

namespace Mpsa.Tests.Sockets;

/// <summary>Our sockaddr bytes against the ones System.Net writes and reads (IPEndPoint.Serialize and Create).</summary>
public class SocketAddressesTests
{
    [TestCase("192.0.2.7", 500)]
    [TestCase("0.0.0.0", 0)]
    [TestCase("2001:db8::1", 4500)]
    [TestCase("::", 65535)]
    [TestCase("fe80::1%3", 500)]
    public void WritesWhatSystemNetWrites(string address, int port)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(address), port);
        Span<byte> ours = stackalloc byte[SocketAddresses.MaxLength];
        int length = SocketAddresses.Write(endpoint, endpoint.AddressFamily, ours);

        var theirs = endpoint.Serialize();
        Assert.That(ours[..length].ToArray(), Is.EqualTo(theirs.Buffer[..theirs.Size].ToArray()));
        Assert.That(SocketAddresses.Read(ours[..length]), Is.EqualTo(endpoint));
        Assert.That((IPEndPoint)endpoint.Create(theirs), Is.EqualTo(SocketAddresses.Read(ours[..length])));
    }

    [Test]
    public void WritesAnIPv4PeerOfAnIPv6SocketAsMapped()
    {
        var endpoint = new IPEndPoint(IPAddress.Parse("198.51.100.9"), 4500);
        Span<byte> ours = stackalloc byte[SocketAddresses.MaxLength];
        int length = SocketAddresses.Write(endpoint, AddressFamily.InterNetworkV6, ours);

        Assert.That(length, Is.EqualTo(SocketAddresses.Inet6Length));
        Assert.That(SocketAddresses.Read(ours[..length]), Is.EqualTo(new IPEndPoint(IPAddress.Parse("::ffff:198.51.100.9"), 4500)));
    }

    [Test]
    public void WritesAUnixPathWithItsNulAndRefusesOneTooLong()
    {
        Span<byte> ours = stackalloc byte[SocketAddresses.MaxLength];
        int length = SocketAddresses.WriteUnix("/run/mpsa/agent.sock", ours);
        var theirs = new UnixDomainSocketEndPoint("/run/mpsa/agent.sock").Serialize();

        Assert.That(length, Is.EqualTo(2 + "/run/mpsa/agent.sock".Length + 1));
        Assert.That(ours[..length].ToArray(), Is.EqualTo(theirs.Buffer[..length].ToArray()));
        Assert.Throws<ArgumentException>(() => SocketAddresses.WriteUnix("/" + new string('x', 107), new byte[SocketAddresses.MaxLength]));
    }

    [Test]
    public void ReadsNothingFromAnotherFamilyOrAShortAddress()
    {
        Assert.That(SocketAddresses.Read([1, 0, 0x2f]), Is.Null);
        Assert.That(SocketAddresses.Read([10, 0, 1, 244]), Is.Null);
        Assert.That(SocketAddresses.Read([]), Is.Null);
    }
}
