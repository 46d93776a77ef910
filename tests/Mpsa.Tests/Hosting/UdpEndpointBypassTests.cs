using System.Net;
using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

public class UdpEndpointBypassTests
{
    [Test]
    public void SetsPerSocketIpsecBypassForBothFamilies()
    {
        using var v4 = new UdpEndpoint(new IPEndPoint(IPAddress.Loopback, 0));
        using var v6 = new UdpEndpoint(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        // The kernel takes a bypass policy from root (CAP_NET_ADMIN) on any kernel with XFRM, which these machines have.
        Assert.That(v4.EnableIpsecBypass(), Is.True);
        Assert.That(v6.EnableIpsecBypass(), Is.True);
    }
}
