using System.Net;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.Netlink;

public class IpPrefixTests
{
    [TestCase("10.1.0.0/16", "10.1.0.0", 16)]
    [TestCase("fd00:1::/64", "fd00:1::", 64)]
    [TestCase("192.0.2.1", "192.0.2.1", 32)]
    [TestCase("::/0", "::", 0)]
    public void ParsesAPrefixOrAHost(string text, string address, int length)
    {
        Assert.That(IpPrefix.TryParse(text, out var prefix, out var problem), Is.True, problem);
        Assert.That(prefix, Is.EqualTo(new IpPrefix(IPAddress.Parse(address), length)));
        Assert.That(IpPrefix.Parse(text), Is.EqualTo(prefix));
    }

    // The problem in words of our own: the runtime's messages are resource keys in the agent's binary.
    [TestCase("10.1.0.x/24", "'10.1.0.x' is not an IP address")]
    [TestCase("10.1.0.0/33", "the prefix length after '/' must be a number from 0 to 32")]
    [TestCase("fd00::/129", "the prefix length after '/' must be a number from 0 to 128")]
    [TestCase("10.1.0.0/", "the prefix length after '/' must be a number from 0 to 32")]
    [TestCase("10.1.0.0/-1", "the prefix length after '/' must be a number from 0 to 32")]
    [TestCase("/8", "'' is not an IP address")]
    public void SaysWhatIsWrong(string text, string expected)
    {
        Assert.That(IpPrefix.TryParse(text, out var prefix, out var problem), Is.False);
        Assert.That(prefix, Is.Null);
        Assert.That(problem, Is.EqualTo(expected));
        Assert.That(Assert.Throws<FormatException>(() => IpPrefix.Parse(text))!.Message, Is.EqualTo(expected));
    }
}
