using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.ChildSas;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Controller.Members;

/// <summary>
/// The CHILD_SA each member negotiated in IKE_AUTH, in the controller's kernel, so iBGP and anything else between
/// member and controller is protected. A kernel that refuses (no ESP, no CAP_NET_ADMIN) is logged once as a warning,
/// later refusals at debug, and the IKE SA stays up, as charon does ("failed to establish CHILD_SA, keeping IKE_SA").
/// A kernel without ESP is not asked again for a minute (<see cref="NoEspHoldOff"/>).
/// </summary>
internal sealed class MemberChildSas
{
    /// <summary>"MC" and one reqid per member: [0x4d430001, 0x4d43ffff].</summary>
    public static readonly KernelOwnership Ownership = new(0x4d430001, 0x4d43ffff);

    private readonly ChildSaInstaller<IkeSpi> _installer;
    private readonly EspOnlyGuard _guard;
    private readonly Func<IPAddress, IPAddress?> _localAddressTowards;
    private readonly ILogger _log;
    private readonly NoEspHoldOff _noEsp = new();
    private bool _refusalLogged;

    /// <param name="localAddressTowards">The controller's address that IKE and ESP to a peer leave from.</param>
    public MemberChildSas(IKernel kernel, Func<IPAddress, IPAddress?> localAddressTowards, ILogger log)
    {
        _localAddressTowards = localAddressTowards;
        _log = log;
        _installer = new ChildSaInstaller<IkeSpi>(kernel, Ownership, line => log.KernelOperation(line));
        _guard = new EspOnlyGuard(kernel, Ownership.ReqIdMin - 1, line => log.KernelOperation(line));
    }

    /// <summary>
    /// esp_only: the listed traffic between a listen address and any member never goes or comes in plain text (members
    /// are not known in advance: any address; each member's CHILD_SA policies win while it has one).
    /// </summary>
    public void Guard(IEnumerable<IPAddress> listen, IReadOnlyList<(System.Net.Sockets.ProtocolType Protocol, ushort Port)> rules)
    {
        var endpoints = listen
            .Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
            .Select(a => (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) ? IpPrefix.Any(a.AddressFamily) : IpPrefix.Host(a), IpPrefix.Any(a.AddressFamily)))
            .ToList();
        _guard.Install(endpoints, rules);
    }

    public int Count => _installer.Count;

    /// <summary>Soft and hard lifetimes (seconds) of the CHILD_SA states installed from now on.</summary>
    public (ulong SoftSeconds, ulong HardSeconds) Lifetimes
    {
        get => _installer.Lifetimes;
        set => _installer.Lifetimes = value;
    }

    /// <summary>Removes what a crashed controller left in its reqid range.</summary>
    public void Start()
    {
        int n = _installer.RemoveLeftovers();
        if (n > 0)
        {
            _log.LeftoversRemoved(n);
        }
    }

    /// <returns>Why the CHILD_SA is not in the kernel; null: it is.</returns>
    public string? Install(string member, IPEndPoint peer, ChildSaEstablished c, MonoTime now)
    {
        peer = Unmapped(peer);
        if (NotOffered(member, peer, now, out var address) is { } why)
        {
            return why;
        }
        var local = new IPEndPoint(address, c.ChildSa.UdpEncapsulation ? 4500 : 500);
        return Answered(member, peer, c.ChildSa, _installer.Install(c.SpiR, c.ChildSa, local, peer), now);
    }

    /// <summary>A negotiated CHILD_SA's state in member status: "up", or why the controller's kernel does not hold it.</summary>
    public static string NegotiatedState(string? notInKernel) =>
        notInKernel is null ? "up"
        : ReferenceEquals(notInKernel, NoEspYet) ? NotInKernel + NoEspYet   // a constant: nothing built per member
        : NotInKernel + notInKernel;

    private const string NotInKernel = "up, not in the controller's kernel: ";

    public void Remove(IkeSpi spiR) => _installer.Remove(spiR);

    /// <summary>A rekeyed CHILD_SA: the new one goes in, the old one's states stay until its Delete (RFC 7296 §2.8).</summary>
    public string? Rekey(string member, IPEndPoint peer, ChildSaRekeyed c, MonoTime now) =>
        Replace(member, peer, c.SpiR, c.New, c.OutboundAfterOldDeleted, now);

    /// <summary>A reauthentication's CHILD_SA takes over from the replaced one's states (renamed to its IKE SA), as in a
    /// rekey we answered: the member installs it only when our IKE_AUTH answer arrives, so we send on it once the
    /// member deleted the old IKE SA.</summary>
    public string? HandOver(string member, IPEndPoint peer, ChildSaEstablished c, MonoTime now) =>
        Replace(member, peer, c.SpiR, c.ChildSa, true, now);

    private string? Replace(string member, IPEndPoint peer, IkeSpi spiR, ChildSa next, bool outboundAfterOldDeleted, MonoTime now)
    {
        peer = Unmapped(peer);
        if (NotOffered(member, peer, now, out var address) is { } why)
        {
            return why;
        }
        var local = new IPEndPoint(address, next.UdpEncapsulation ? 4500 : 500);
        return Answered(member, peer, next, _installer.Rekey(spiR, next, local, peer, outboundAfterOldDeleted), now);
    }

    /// <summary>The member moved its IKE SA (MOBIKE): its current CHILD_SA goes to the new address, same SPIs.</summary>
    /// <returns>Why it could not be moved; null: moved, or nothing of it was in the kernel.</returns>
    public string? Move(string member, IPEndPoint peer, IkeSpi spiR, ChildSa child, MonoTime now)
    {
        if (!_installer.Contains(spiR))
        {
            return null;
        }
        peer = Unmapped(peer);
        if (NotOffered(member, peer, now, out var address) is { } why)
        {
            return why;
        }
        var local = new IPEndPoint(address, child.UdpEncapsulation ? 4500 : 500);
        return Answered(member, peer, child, _installer.Move(spiR, child, local, peer), now);
    }

    /// <summary>CHILD_SAs deleted, named by their outbound SPIs: a replaced one's states, or everything of the member.</summary>
    public void RemovePeerDeleted(IkeSpi spiR, IReadOnlyList<uint> peerSpis) => _installer.RemovePeerDeleted(spiR, peerSpis);

    public void Rename(IkeSpi from, IkeSpi to) => _installer.Rename(from, to);

    public bool Contains(IkeSpi spiR) => _installer.Contains(spiR);

    /// <summary>The member whose CHILD_SA (current or replaced) holds this kernel state, by its IKE SA; null: none.</summary>
    public IkeSpi? OwnerOf(XfrmStateId state) => _installer.TryOwnerOf(state, out var spiR) ? spiR : null;

    /// <summary>At stop: the CHILD_SAs go; the esp_only guard stays, so a restart or upgrade opens no plain-text window.</summary>
    public void RemoveAll() => _installer.RemoveAll();

    /// <summary>A dual-stack socket's view of an IPv4 member, as the kernel wants it.</summary>
    private static IPEndPoint Unmapped(IPEndPoint peer) =>
        peer.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(peer.Address.MapToIPv4(), peer.Port) : peer;

    /// <summary>Why the kernel is not to be asked (logged): no local address towards the member, or no ESP; null: ask.</summary>
    private string? NotOffered(string member, IPEndPoint peer, MonoTime now, out IPAddress address)
    {
        if (_localAddressTowards(peer.Address) is not { } local)
        {
            address = IPAddress.None;
            string why = $"no local address towards {peer.Address}";
            Refused(member, why);
            return why;
        }
        address = local;
        if (_noEsp.Holds(peer.AddressFamily, now))
        {
            _log.ChildSaNotInstalledAgain(member, NoEspYet);
            return NoEspYet;
        }
        return null;
    }

    private const string NoEspYet = "the kernel has no ESP (EPROTONOSUPPORT), not asked again yet";

    private string? Answered(string member, IPEndPoint peer, ChildSa child, KernelResult r, MonoTime now)
    {
        string family = peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
        switch (_noEsp.Saw(r, peer.AddressFamily, now))
        {
            case NoEspHoldOff.Change.Started:
                _log.KernelHasNoEsp(family, (int)NoEspHoldOff.Interval.TotalSeconds);
                break;
            case NoEspHoldOff.Change.Ended:
                _log.KernelTakesEspAgain(family);
                break;
        }
        if (r.IsOk)
        {
            _log.ChildSaInstalled(member, child.InboundSpi, child.OutboundSpi);
            return null;
        }
        Refused(member, r.Message);
        return r.Message;
    }

    private void Refused(string member, string error)
    {
        if (_refusalLogged)
        {
            _log.ChildSaNotInstalledAgain(member, error);
            return;
        }
        _refusalLogged = true;
        _log.ChildSaNotInstalled(member, error);
    }
}
