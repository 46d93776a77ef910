using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Xfrm;

/// <summary>
/// Lays out the NETLINK_XFRM requests of <see cref="XfrmKernel"/> and reads the kernel's messages, with no I/O, so both
/// can be checked byte for byte. Layouts follow linux/xfrm.h and what iproute2 and strongSwan's kernel_netlink send:
/// byte and packet limits XFRM_INF, template algorithm masks ~0, state selector "any" of the state's family.
/// </summary>
internal static class XfrmMessages
{
    public const byte IPPROTO_ESP = 50;
    public const byte XFRM_SA_DIR_IN = 1;
    public const byte XFRM_SA_DIR_OUT = 2;

    private const NlmFlags Request = NlmFlags.NLM_F_REQUEST | NlmFlags.NLM_F_ACK;
    private const byte XfrmStateAfUnspec = 32;   // linux/xfrm.h XFRM_STATE_AF_UNSPEC
    private const NlmFlags DumpRequest = NlmFlags.NLM_F_REQUEST | NlmFlags.NLM_F_DUMP;

    /// <summary>XFRM_MSG_NEWSA or XFRM_MSG_UPDSA: xfrm_usersa_info, the algorithm attributes, XFRMA_MARK, XFRMA_ENCAP, and XFRMA_SA_DIR when asked.</summary>
    public static NetlinkMessageBuilder NewState(XfrmStateSpec state, bool update, bool withDirection)
    {
        ArgumentNullException.ThrowIfNull(state);
        var suite = state.Suite;
        // Whatever refuses the spec runs before the buffer exists: once a key is in it, nothing here throws and the
        // caller's using zeroes it.
        int icvBits = XfrmAlgorithms.AeadIcvBits(suite.Encr);
        string encr = XfrmAlgorithms.EncryptionName(suite.Encr)
            ?? throw new ArgumentException($"no XFRM name for {suite.Encr}", nameof(state));
        var (integ, truncBits) = icvBits > 0 ? ("", 0)
            : XfrmAlgorithms.Integrity(suite.Integ)
                ?? throw new ArgumentException($"no XFRM name for {suite.Integ}", nameof(state));
        var encrName = Name(encr);
        var integName = icvBits > 0 ? default : Name(integ);
        byte replayWindow = checked((byte)state.ReplayWindow);
        var b = new NetlinkMessageBuilder((ushort)(update ? XfrmMsgType.XFRM_MSG_UPDSA : XfrmMsgType.XFRM_MSG_NEWSA), Request, 512);
        ushort family = XfrmAddress.Family(state.Family);
        var info = new xfrm_usersa_info
        {
            // A tunnel-mode state matches inner traffic of either family: selector family AF_UNSPEC plus XFRM_STATE_AF_UNSPEC
            // (the kernel skips the selector check only when the selector has no family).
            sel = new xfrm_selector { family = state.Mode == XfrmMode.Tunnel ? (ushort)0 : family },
            id = new xfrm_id { daddr = XfrmAddress.From(state.Destination), spi = Network(state.Spi.Value), proto = IPPROTO_ESP },
            saddr = XfrmAddress.From(state.Source),
            lft = xfrm_lifetime_cfg.Infinite(state.SoftLifetimeSeconds, state.HardLifetimeSeconds),
            reqid = state.ReqId,
            family = family,
            mode = (byte)state.Mode,
            replay_window = replayWindow,
            // Tunnel mode carries either overlay family over this underlay (4in6, 6in4): XFRM_STATE_AF_UNSPEC.
            flags = state.Mode == XfrmMode.Tunnel ? XfrmStateAfUnspec : (byte)0,
        };
        b.Write(in info);
        if (icvBits > 0)
        {
            var value = b.AddAttribute((ushort)XfrmAttr.XFRMA_ALG_AEAD, Unsafe.SizeOf<xfrm_algo_aead>() + state.EncrKey.Length);
            var aead = new xfrm_algo_aead
            {
                alg_name = encrName, alg_key_len = (uint)state.EncrKey.Length * 8, alg_icv_len = (uint)icvBits,
            };
            MemoryMarshal.Write(value, in aead);
            state.EncrKey.Span.CopyTo(value[Unsafe.SizeOf<xfrm_algo_aead>()..]);
        }
        else
        {
            var value = b.AddAttribute((ushort)XfrmAttr.XFRMA_ALG_CRYPT, Unsafe.SizeOf<xfrm_algo>() + state.EncrKey.Length);
            var crypt = new xfrm_algo { alg_name = encrName, alg_key_len = (uint)state.EncrKey.Length * 8 };
            MemoryMarshal.Write(value, in crypt);
            state.EncrKey.Span.CopyTo(value[Unsafe.SizeOf<xfrm_algo>()..]);

            value = b.AddAttribute((ushort)XfrmAttr.XFRMA_ALG_AUTH_TRUNC, Unsafe.SizeOf<xfrm_algo_auth>() + state.IntegKey.Length);
            var auth = new xfrm_algo_auth
            {
                alg_name = integName, alg_key_len = (uint)state.IntegKey.Length * 8, alg_trunc_len = (uint)truncBits,
            };
            MemoryMarshal.Write(value, in auth);
            state.IntegKey.Span.CopyTo(value[Unsafe.SizeOf<xfrm_algo_auth>()..]);
        }
        if (state.Mark is { } mark)
        {
            b.AddAttribute((ushort)XfrmAttr.XFRMA_MARK, new xfrm_mark { v = mark.Value, m = mark.Mask });
        }
        if (state.Encap is { } encap)
        {
            b.AddAttribute((ushort)XfrmAttr.XFRMA_ENCAP, new xfrm_encap_tmpl
            {
                encap_type = xfrm_encap_tmpl.UDP_ENCAP_ESPINUDP,
                encap_sport = Network(encap.SourcePort),
                encap_dport = Network(encap.DestinationPort),
            });
        }
        if (withDirection && state.Direction is { } dir)
        {
            b.AddAttribute((ushort)XfrmAttr.XFRMA_SA_DIR, [dir == XfrmDirection.In ? XFRM_SA_DIR_IN : XFRM_SA_DIR_OUT]);
        }
        return b;
    }

    /// <summary>XFRM_MSG_DELSA or XFRM_MSG_GETSA: xfrm_usersa_id and the state's XFRMA_MARK (the kernel needs it to find a marked state).</summary>
    public static NetlinkMessageBuilder StateId(XfrmMsgType type, XfrmStateId id, XfrmMark? mark)
    {
        ArgumentNullException.ThrowIfNull(id);
        var b = new NetlinkMessageBuilder((ushort)type, Request, 64);
        var sa = new xfrm_usersa_id
        {
            daddr = XfrmAddress.From(id.Destination),
            spi = Network(id.Spi.Value),
            family = XfrmAddress.Family(id.Destination.AddressFamily),
            proto = (byte)id.Protocol,
        };
        b.Write(in sa);
        if (mark is { } m)
        {
            b.AddAttribute((ushort)XfrmAttr.XFRMA_MARK, new xfrm_mark { v = m.Value, m = m.Mask });
        }
        return b;
    }

    /// <summary>XFRM_MSG_ALLOCSPI: a larval tunnel-mode ESP state to <paramref name="destination"/> and the SPI range.</summary>
    public static NetlinkMessageBuilder AllocateSpi(IPAddress? source, IPAddress destination, uint reqId, uint min, uint max)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var b = new NetlinkMessageBuilder((ushort)XfrmMsgType.XFRM_MSG_ALLOCSPI, Request, 256);
        ushort family = XfrmAddress.Family(destination.AddressFamily);
        var spi = new xfrm_userspi_info
        {
            info = new xfrm_usersa_info
            {
                sel = new xfrm_selector { family = family },
                id = new xfrm_id { daddr = XfrmAddress.From(destination), proto = IPPROTO_ESP },
                saddr = XfrmAddress.From(source),
                lft = xfrm_lifetime_cfg.Infinite(),
                reqid = reqId,
                family = family,
                mode = (byte)XfrmMode.Tunnel,
            },
            min = min,
            max = max,
        };
        b.Write(in spi);
        return b;
    }

    /// <summary>XFRM_MSG_NEWPOLICY or XFRM_MSG_UPDPOLICY: xfrm_userpolicy_info, one XFRMA_TMPL (none for an allow policy) and XFRMA_MARK.</summary>
    public static NetlinkMessageBuilder NewPolicy(XfrmPolicySpec policy, bool update)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var b = new NetlinkMessageBuilder((ushort)(update ? XfrmMsgType.XFRM_MSG_UPDPOLICY : XfrmMsgType.XFRM_MSG_NEWPOLICY), Request, 320);
        var info = new xfrm_userpolicy_info
        {
            sel = Selector(policy.Selector),
            lft = xfrm_lifetime_cfg.Infinite(),
            priority = policy.Priority,
            dir = (byte)policy.Direction,
            action = xfrm_userpolicy_info.XFRM_POLICY_ALLOW,
        };
        b.Write(in info);
        if (policy.Template is { } t)
        {
            var family = t.TunnelDestination?.AddressFamily ?? t.TunnelSource?.AddressFamily ?? policy.Selector.Family;
            var tmpl = new xfrm_user_tmpl
            {
                id = new xfrm_id { daddr = XfrmAddress.From(t.TunnelDestination), spi = Network(t.Spi), proto = IPPROTO_ESP },
                family = XfrmAddress.Family(family),
                saddr = XfrmAddress.From(t.TunnelSource),
                reqid = t.ReqId,
                mode = (byte)t.Mode,
                aalgos = uint.MaxValue,
                ealgos = uint.MaxValue,
                calgos = uint.MaxValue,
            };
            b.AddAttribute((ushort)XfrmAttr.XFRMA_TMPL, in tmpl);
        }
        if (policy.Mark is { } mark)
        {
            b.AddAttribute((ushort)XfrmAttr.XFRMA_MARK, new xfrm_mark { v = mark.Value, m = mark.Mask });
        }
        return b;
    }

    /// <summary>XFRM_MSG_DELPOLICY: xfrm_userpolicy_id (selector and direction) and XFRMA_MARK.</summary>
    public static NetlinkMessageBuilder DeletePolicy(XfrmPolicyId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var b = new NetlinkMessageBuilder((ushort)XfrmMsgType.XFRM_MSG_DELPOLICY, Request, 96);
        var pid = new xfrm_userpolicy_id { sel = Selector(id.Selector), dir = (byte)id.Direction };
        b.Write(in pid);
        if (id.Mark is { } mark)
        {
            b.AddAttribute((ushort)XfrmAttr.XFRMA_MARK, new xfrm_mark { v = mark.Value, m = mark.Mask });
        }
        return b;
    }

    /// <summary>A GETSA or GETPOLICY dump request (no fixed header: the kernel parses attributes right after nlmsghdr).</summary>
    public static NetlinkMessageBuilder Dump(XfrmMsgType type) => new((ushort)type, DumpRequest, 32);

    public static xfrm_selector Selector(XfrmSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new xfrm_selector
        {
            daddr = XfrmAddress.From(selector.Destination.Address),
            saddr = XfrmAddress.From(selector.Source.Address),
            dport = Network(selector.DestinationPort),
            dport_mask = selector.DestinationPort == 0 ? (ushort)0 : ushort.MaxValue,
            sport = Network(selector.SourcePort),
            sport_mask = selector.SourcePort == 0 ? (ushort)0 : ushort.MaxValue,
            family = XfrmAddress.Family(selector.Family),
            prefixlen_d = (byte)selector.Destination.Length,
            prefixlen_s = (byte)selector.Source.Length,
            proto = (byte)selector.Protocol,
        };
    }

    /// <summary>The selector back; null for one of no IP family (AF_UNSPEC), which our types cannot express.</summary>
    public static XfrmSelector? Selector(in xfrm_selector sel)
    {
        if (sel.family is not (XfrmAddress.AF_INET or XfrmAddress.AF_INET6))
        {
            return null;
        }
        int max = sel.family == XfrmAddress.AF_INET ? 32 : 128;
        if (sel.prefixlen_d > max || sel.prefixlen_s > max)
        {
            throw new NetlinkParseException($"selector prefix length {Math.Max(sel.prefixlen_d, sel.prefixlen_s)} exceeds {max}");
        }
        return new XfrmSelector(
            new IpPrefix(XfrmAddress.ToAddress(sel.saddr, sel.family), sel.prefixlen_s),
            new IpPrefix(XfrmAddress.ToAddress(sel.daddr, sel.family), sel.prefixlen_d),
            (ProtocolType)sel.proto,
            Host(sel.sport),
            Host(sel.dport));
    }

    /// <summary>A NEWSA message (dump part, GETSA or ALLOCSPI reply).</summary>
    public static XfrmStateEntry ReadState(NetlinkMessage message)
    {
        var info = ReadFixed<xfrm_usersa_info>(message, "xfrm_usersa_info");
        XfrmMark? mark = null;
        XfrmEncap? encap = null;
        foreach (var attribute in message.AttributesAfter(Unsafe.SizeOf<xfrm_usersa_info>()))
        {
            if (attribute.Type == (ushort)XfrmAttr.XFRMA_MARK)
            {
                var m = attribute.Read<xfrm_mark>("xfrm_mark");
                mark = m.v == 0 && m.m == 0 ? null : new XfrmMark(m.v, m.m);
            }
            else if (attribute.Type == (ushort)XfrmAttr.XFRMA_ENCAP)
            {
                var e = attribute.Read<xfrm_encap_tmpl>("xfrm_encap_tmpl");
                encap = new XfrmEncap(Host(e.encap_sport), Host(e.encap_dport));
            }
        }
        var id = new XfrmStateId(XfrmAddress.ToAddress(info.id.daddr, info.family), new EspSpi(Host(info.id.spi)), (ProtocolType)info.id.proto);
        return new XfrmStateEntry(id, info.reqid, mark, info.curlft.packets, info.curlft.bytes, (XfrmMode)info.mode, encap);
    }

    /// <summary>A NEWPOLICY message (dump part); null for a policy our types cannot express (socket policy, AF_UNSPEC selector).</summary>
    public static XfrmPolicyEntry? ReadPolicy(NetlinkMessage message)
    {
        var info = ReadFixed<xfrm_userpolicy_info>(message, "xfrm_userpolicy_info");
        var (reqId, mark) = ReadTemplateAndMark(message.AttributesAfter(Unsafe.SizeOf<xfrm_userpolicy_info>()));
        if (info.dir > (byte)XfrmDirection.Fwd || Selector(info.sel) is not { } selector)
        {
            return null;
        }
        return new XfrmPolicyEntry(new XfrmPolicyId(selector, (XfrmDirection)info.dir, mark), reqId);
    }

    /// <summary>XFRM_MSG_EXPIRE.</summary>
    public static StateExpired ReadExpire(NetlinkMessage message)
    {
        var expire = ReadFixed<xfrm_user_expire>(message, "xfrm_user_expire");
        var s = expire.state;
        var id = new XfrmStateId(XfrmAddress.ToAddress(s.id.daddr, s.family), new EspSpi(Host(s.id.spi)), (ProtocolType)s.id.proto);
        return new StateExpired(id, s.reqid, expire.hard != 0);
    }

    /// <summary>XFRM_MSG_ACQUIRE; null when its policy's selector cannot be expressed.</summary>
    public static AcquireRequested? ReadAcquire(NetlinkMessage message)
    {
        var acquire = ReadFixed<xfrm_user_acquire>(message, "xfrm_user_acquire");
        var (reqId, mark) = ReadTemplateAndMark(message.AttributesAfter(Unsafe.SizeOf<xfrm_user_acquire>()));
        if (Selector(acquire.policy.sel) is not { } selector || acquire.policy.dir > (byte)XfrmDirection.Fwd)
        {
            return null;
        }
        ushort family = acquire.sel.family is XfrmAddress.AF_INET or XfrmAddress.AF_INET6 ? acquire.sel.family : acquire.policy.sel.family;
        var destination = XfrmAddress.IsAny(acquire.id.daddr) ? acquire.sel.daddr : acquire.id.daddr;
        IPAddress? source = XfrmAddress.IsAny(acquire.saddr) ? null : XfrmAddress.ToAddress(acquire.saddr, family);
        var policy = new XfrmPolicyId(selector, (XfrmDirection)acquire.policy.dir, mark);
        return new AcquireRequested(policy, source, XfrmAddress.ToAddress(destination, family), reqId);
    }

    /// <summary>The u32 in network byte order.</summary>
    public static uint Network(uint value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    public static ushort Network(ushort value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    public static uint Host(uint value) => Network(value);

    public static ushort Host(ushort value) => Network(value);

    private static (uint ReqId, XfrmMark? Mark) ReadTemplateAndMark(NetlinkAttributeReader attributes)
    {
        uint reqId = 0;
        XfrmMark? mark = null;
        foreach (var attribute in attributes)
        {
            if (attribute.Type == (ushort)XfrmAttr.XFRMA_TMPL)
            {
                reqId = attribute.Read<xfrm_user_tmpl>("xfrm_user_tmpl").reqid; // the first of the array
            }
            else if (attribute.Type == (ushort)XfrmAttr.XFRMA_MARK)
            {
                var m = attribute.Read<xfrm_mark>("xfrm_mark");
                mark = m.v == 0 && m.m == 0 ? null : new XfrmMark(m.v, m.m);
            }
        }
        return (reqId, mark);
    }

    private static T ReadFixed<T>(NetlinkMessage message, string structure)
        where T : unmanaged
    {
        if (message.Payload.Length < Unsafe.SizeOf<T>())
        {
            throw new NetlinkParseException($"{structure}: message type {message.Type} carries {message.Payload.Length} bytes, needs {Unsafe.SizeOf<T>()}");
        }
        return MemoryMarshal.Read<T>(message.Payload);
    }

    private static xfrm_alg_name Name(string name)
    {
        var result = default(xfrm_alg_name);
        Span<byte> bytes = result;
        if (Encoding.ASCII.GetByteCount(name) >= bytes.Length)
        {
            throw new ArgumentException($"algorithm name longer than 63 bytes: {name}", nameof(name));
        }
        Encoding.ASCII.GetBytes(name, bytes);
        return result;
    }
}
