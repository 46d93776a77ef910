using System.Runtime.CompilerServices;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Route;
using Mpsa.Netlink.Xfrm;

namespace Mpsa.Tests.Netlink;

/// <summary>
/// Our blittable structs against the kernel's C layout. Known answers: sizes and offsets printed by xfrm-layout.c
/// (beside this file) compiled with gcc against linux-libc-dev's linux/netlink.h, xfrm.h and rtnetlink.h on x86-64.
/// </summary>
public class XfrmStructLayoutTests
{
    [Test]
    public void MatchesTheKernelSizes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<nlmsghdr>(), Is.EqualTo(16));
            Assert.That(Unsafe.SizeOf<nlmsgerr>(), Is.EqualTo(20));
            Assert.That(Unsafe.SizeOf<nlattr>(), Is.EqualTo(4));
            Assert.That(Unsafe.SizeOf<sockaddr_nl>(), Is.EqualTo(12));
            Assert.That(Unsafe.SizeOf<xfrm_address_t>(), Is.EqualTo(16));
            Assert.That(Unsafe.SizeOf<xfrm_selector>(), Is.EqualTo(56));
            Assert.That(Unsafe.SizeOf<xfrm_id>(), Is.EqualTo(24));
            Assert.That(Unsafe.SizeOf<xfrm_lifetime_cfg>(), Is.EqualTo(64));
            Assert.That(Unsafe.SizeOf<xfrm_lifetime_cur>(), Is.EqualTo(32));
            Assert.That(Unsafe.SizeOf<xfrm_stats>(), Is.EqualTo(12));
            Assert.That(Unsafe.SizeOf<xfrm_usersa_info>(), Is.EqualTo(224));
            Assert.That(Unsafe.SizeOf<xfrm_usersa_id>(), Is.EqualTo(24));
            Assert.That(Unsafe.SizeOf<xfrm_userpolicy_info>(), Is.EqualTo(168));
            Assert.That(Unsafe.SizeOf<xfrm_userpolicy_id>(), Is.EqualTo(64));
            Assert.That(Unsafe.SizeOf<xfrm_user_tmpl>(), Is.EqualTo(64));
            Assert.That(Unsafe.SizeOf<xfrm_user_expire>(), Is.EqualTo(232));
            Assert.That(Unsafe.SizeOf<xfrm_user_acquire>(), Is.EqualTo(280));
            Assert.That(Unsafe.SizeOf<xfrm_userspi_info>(), Is.EqualTo(232));
            Assert.That(Unsafe.SizeOf<xfrm_mark>(), Is.EqualTo(8));
            Assert.That(Unsafe.SizeOf<xfrm_encap_tmpl>(), Is.EqualTo(24));
            Assert.That(Unsafe.SizeOf<xfrm_algo>(), Is.EqualTo(68));
            Assert.That(Unsafe.SizeOf<xfrm_algo_auth>(), Is.EqualTo(72));
            Assert.That(Unsafe.SizeOf<xfrm_algo_aead>(), Is.EqualTo(72));
            Assert.That(Unsafe.SizeOf<rtmsg>(), Is.EqualTo(12));
        });
    }

    [Test]
    public void MatchesTheKernelOffsets()
    {
        var sel = default(xfrm_selector);
        var sa = default(xfrm_usersa_info);
        var said = default(xfrm_usersa_id);
        var pol = default(xfrm_userpolicy_info);
        var polid = default(xfrm_userpolicy_id);
        var tmpl = default(xfrm_user_tmpl);
        var exp = default(xfrm_user_expire);
        var acq = default(xfrm_user_acquire);
        var spi = default(xfrm_userspi_info);
        var auth = default(xfrm_algo_auth);
        var aead = default(xfrm_algo_aead);
        var rt = default(rtmsg);
        var nl = default(sockaddr_nl);
        var encap = default(xfrm_encap_tmpl);
        Assert.Multiple(() =>
        {
            Assert.That(Offset(ref sel, ref sel.dport), Is.EqualTo(32));
            Assert.That(Offset(ref encap, ref encap.encap_sport), Is.EqualTo(2));
            Assert.That(Offset(ref encap, ref encap.encap_dport), Is.EqualTo(4));
            Assert.That(Offset(ref encap, ref encap.encap_oa), Is.EqualTo(8));
            Assert.That(Offset(ref sel, ref sel.sport_mask), Is.EqualTo(38));
            Assert.That(Offset(ref sel, ref sel.family), Is.EqualTo(40));
            Assert.That(Offset(ref sel, ref sel.prefixlen_d), Is.EqualTo(42));
            Assert.That(Offset(ref sel, ref sel.proto), Is.EqualTo(44));
            Assert.That(Offset(ref sel, ref sel.ifindex), Is.EqualTo(48));
            Assert.That(Offset(ref sel, ref sel.user), Is.EqualTo(52));

            Assert.That(Offset(ref sa, ref sa.id), Is.EqualTo(56));
            Assert.That(Offset(ref sa, ref sa.id.spi), Is.EqualTo(72));
            Assert.That(Offset(ref sa, ref sa.id.proto), Is.EqualTo(76));
            Assert.That(Offset(ref sa, ref sa.saddr), Is.EqualTo(80));
            Assert.That(Offset(ref sa, ref sa.lft), Is.EqualTo(96));
            Assert.That(Offset(ref sa, ref sa.lft.hard_add_expires_seconds), Is.EqualTo(96 + 40));
            Assert.That(Offset(ref sa, ref sa.curlft), Is.EqualTo(160));
            Assert.That(Offset(ref sa, ref sa.curlft.packets), Is.EqualTo(168));
            Assert.That(Offset(ref sa, ref sa.stats), Is.EqualTo(192));
            Assert.That(Offset(ref sa, ref sa.seq), Is.EqualTo(204));
            Assert.That(Offset(ref sa, ref sa.reqid), Is.EqualTo(208));
            Assert.That(Offset(ref sa, ref sa.family), Is.EqualTo(212));
            Assert.That(Offset(ref sa, ref sa.mode), Is.EqualTo(214));
            Assert.That(Offset(ref sa, ref sa.replay_window), Is.EqualTo(215));
            Assert.That(Offset(ref sa, ref sa.flags), Is.EqualTo(216));

            Assert.That(Offset(ref said, ref said.spi), Is.EqualTo(16));
            Assert.That(Offset(ref said, ref said.family), Is.EqualTo(20));
            Assert.That(Offset(ref said, ref said.proto), Is.EqualTo(22));

            Assert.That(Offset(ref pol, ref pol.lft), Is.EqualTo(56));
            Assert.That(Offset(ref pol, ref pol.curlft), Is.EqualTo(120));
            Assert.That(Offset(ref pol, ref pol.priority), Is.EqualTo(152));
            Assert.That(Offset(ref pol, ref pol.index), Is.EqualTo(156));
            Assert.That(Offset(ref pol, ref pol.dir), Is.EqualTo(160));
            Assert.That(Offset(ref pol, ref pol.share), Is.EqualTo(163));

            Assert.That(Offset(ref polid, ref polid.index), Is.EqualTo(56));
            Assert.That(Offset(ref polid, ref polid.dir), Is.EqualTo(60));

            Assert.That(Offset(ref tmpl, ref tmpl.family), Is.EqualTo(24));
            Assert.That(Offset(ref tmpl, ref tmpl.saddr), Is.EqualTo(28));
            Assert.That(Offset(ref tmpl, ref tmpl.reqid), Is.EqualTo(44));
            Assert.That(Offset(ref tmpl, ref tmpl.mode), Is.EqualTo(48));
            Assert.That(Offset(ref tmpl, ref tmpl.optional), Is.EqualTo(50));
            Assert.That(Offset(ref tmpl, ref tmpl.aalgos), Is.EqualTo(52));
            Assert.That(Offset(ref tmpl, ref tmpl.calgos), Is.EqualTo(60));

            Assert.That(Offset(ref exp, ref exp.hard), Is.EqualTo(224));

            Assert.That(Offset(ref acq, ref acq.saddr), Is.EqualTo(24));
            Assert.That(Offset(ref acq, ref acq.sel), Is.EqualTo(40));
            Assert.That(Offset(ref acq, ref acq.policy), Is.EqualTo(96));
            Assert.That(Offset(ref acq, ref acq.aalgos), Is.EqualTo(264));
            Assert.That(Offset(ref acq, ref acq.seq), Is.EqualTo(276));

            Assert.That(Offset(ref spi, ref spi.min), Is.EqualTo(224));
            Assert.That(Offset(ref spi, ref spi.max), Is.EqualTo(228));

            Assert.That(Offset(ref auth, ref auth.alg_key_len), Is.EqualTo(64));
            Assert.That(Offset(ref auth, ref auth.alg_trunc_len), Is.EqualTo(68));
            Assert.That(Offset(ref aead, ref aead.alg_icv_len), Is.EqualTo(68));

            Assert.That(Offset(ref rt, ref rt.rtm_table), Is.EqualTo(4));
            Assert.That(Offset(ref rt, ref rt.rtm_type), Is.EqualTo(7));
            Assert.That(Offset(ref rt, ref rt.rtm_flags), Is.EqualTo(8));

            Assert.That(Offset(ref nl, ref nl.nl_pid), Is.EqualTo(4));
            Assert.That(Offset(ref nl, ref nl.nl_groups), Is.EqualTo(8));
        });
    }

    private static int Offset<TStruct, TField>(ref TStruct s, ref TField field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref s), ref Unsafe.As<TField, byte>(ref field));
}
