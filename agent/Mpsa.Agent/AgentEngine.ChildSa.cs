using System.Net;
using Mpsa.Agent.Config;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Agent;

/// <summary>The CHILD_SA with the controller in the kernel: its states and policies, kept over rekeys and address
/// moves, and the esp_only guard beside it.</summary>
internal sealed partial class AgentEngine
{
    /// <summary>CHILD_SA states: soft expire at child_lifetime (our jittered timer normally comes first), hard at +10 %.</summary>
    private static (ulong, ulong) KernelLifetimes(RekeyPolicy rekey) =>
        ((ulong)rekey.ChildLifetime.TotalSeconds, (ulong)Math.Ceiling(rekey.ChildHardLifetime.TotalSeconds));

    /// <summary>The esp_only policies between the CHILD_SA's endpoints, towards every controller address (none without a
    /// CHILD_SA in the kernel); replaced in place when the address IKE leaves from moves.</summary>
    private void Guard()
    {
        if (_ikeLocal is null)
        {
            return;
        }
        var controllers = ControllerAddresses.Of(_settings);
        var pairs = new (IpPrefix, IpPrefix)[controllers.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            // an address that follows the WAN (no local_address) is guarded from any local address: after a change, the
            // new one is covered before the CHILD_SA's policies have moved to it
            var local = SourceAddress.IsAny(_ikeLocal.Address) || _settings.LocalAddress is null
                ? IpPrefix.Any(controllers[i].AddressFamily) : IpPrefix.Host(_ikeLocal.Address);
            pairs[i] = (local, IpPrefix.Host(controllers[i]));
        }
        _guard.Install(pairs, _settings.EspOnly);
    }

    private void Install(ChildSaEstablished c)
    {
        if (_ikeLocal is null || _ikePeer is null)
        {
            return;
        }
        // After a NAT was detected the SA lives on the NAT-T port on both ends (RFC 3948).
        var local = c.ChildSa.UdpEncapsulation ? new IPEndPoint(_ikeLocal.Address, UdpEndpoint.NatTraversalPort) : _ikeLocal;
        var r = _childSas.Install(c.SpiR, c.ChildSa, local, _ikePeer);
        if (r.IsOk)
        {
            _log.ChildSaInstalled(_childSaOwnership);
        }
        else
        {
            _log.ChildSaNotInstalled(r.Message);
        }
    }

    /// <summary>A CHILD_SA that replaces the one installed for the IKE SA (a rekey, or a reauthentication's).</summary>
    private void Rekey(IkeSpi spiR, ChildSa next, bool outboundAfterOldDeleted)
    {
        if (_ikeLocal is null || _ikePeer is null)
        {
            return;
        }
        var local = next.UdpEncapsulation ? new IPEndPoint(_ikeLocal.Address, UdpEndpoint.NatTraversalPort) : _ikeLocal;
        var r = _childSas.Rekey(spiR, next, local, _ikePeer, outboundAfterOldDeleted);
        if (r.IsOk)
        {
            _log.ChildSaInstalled(_childSaOwnership);
        }
        else
        {
            _log.ChildSaNotInstalled(r.Message);
        }
    }
}
