using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Xfrm;
using static Mpsa.Tests.Netlink.XfrmSpecs;

namespace Mpsa.Tests.Netlink;

/// <summary>
/// NETLINK_XFRM on the running kernel, in a throwaway network namespace (root and iproute2; ignored otherwise): what
/// a request sent and what the kernel answered does not stay in the socket's buffers. On a kernel without ESP the
/// NEWSA is refused; with ESP (User-Mode Linux) it is added and the GETSA answer carries the keys back.
/// </summary>
[TestFixture]
[Category("XfrmContract")]
[NonParallelizable]
public class NetlinkSocketTests
{
    [Test]
    public void ZeroesTheRequestOnceSentAndTheAnswerOnceRead()
    {
        using var ns = NetworkNamespace.CreateOrIgnore();
        using var socket = ns.Run(() => NetlinkSocket.Open(NetlinkProtocol.NETLINK_XFRM));
        var spec = State("192.0.2.1", 0xc0000101);
        byte[] encrKey = spec.EncrKey.Span.ToArray();
        using var newSa = XfrmMessages.NewState(spec, update: false, withDirection: false);
        ReadOnlySpan<byte> sent = newSa.Finish(0);
        Assert.That(sent.IndexOf(encrKey), Is.GreaterThan(0), "the encryption key is in the request");

        _ = socket.Request(newSa, "add state");

        Assert.That(sent.ToArray(), Is.All.Zero, "the NEWSA once sent, before it is disposed");
        Assert.That(socket.ReceiveBuffer.ToArray(), Is.All.Zero, "the kernel's answer to the NEWSA once read");

        using var getSa = XfrmMessages.StateId(XfrmMsgType.XFRM_MSG_GETSA, spec.Id, null);
        _ = socket.Request(getSa, "get state", reply => { });

        Assert.That(socket.ReceiveBuffer.ToArray(), Is.All.Zero, "the kernel's answer to the GETSA once read");
    }

    [Test]
    public void AnAnswerTooLongForTheBufferIsAnErrorAndTheNextOneFits()
    {
        using var ns = NetworkNamespace.CreateOrIgnore();
        using var socket = ns.Run(() => NetlinkSocket.Open(NetlinkProtocol.NETLINK_XFRM, 0, 0, receiveBufferLength: 16));
        var id = State("192.0.2.1", 0xc0000102).Id;

        using var first = XfrmMessages.StateId(XfrmMsgType.XFRM_MSG_GETSA, id, null);
        var cut = socket.Request(first, "get state");

        Assert.That(cut?.Errno, Is.EqualTo(Errno.EMSGSIZE), "an error of at least 36 bytes in a 16-byte buffer");
        Assert.That(cut?.ExtAck, Does.Contain("did not fit in 16 bytes"));
        Assert.That(socket.ReceiveBuffer.Length, Is.GreaterThan(16), "grown to the answer's length");
        Assert.That(socket.ReceiveBuffer.ToArray(), Is.All.Zero);

        using var second = XfrmMessages.StateId(XfrmMsgType.XFRM_MSG_GETSA, id, null);
        var answered = socket.Request(second, "get state");

        Assert.That(answered?.Errno, Is.EqualTo(Errno.ESRCH), "the kernel's own answer: no such state");
    }

    [Test]
    public void RequestsSentTogetherAreEachAnsweredOnlyWhenRefusedButTheLast()
    {
        using var ns = NetworkNamespace.CreateOrIgnore();
        using var socket = ns.Run(() => NetlinkSocket.Open(NetlinkProtocol.NETLINK_XFRM));
        var policy = Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.Out);
        var unknown = State("192.0.2.1", 0xc0000103).Id;

        var outcomes = socket.RequestAll([
            XfrmMessages.StateId(XfrmMsgType.XFRM_MSG_GETSA, unknown, null),
            XfrmMessages.NewPolicy(policy, update: false),
            XfrmMessages.NewPolicy(policy, update: false),
            XfrmMessages.NewPolicy(policy with { Direction = XfrmDirection.In }, update: false),
        ], "batch");

        Assert.That(outcomes.Select(o => o?.Errno ?? 0), Is.EqualTo(new[] { Errno.ESRCH, 0, Errno.EEXIST, 0 }));
        Assert.That(socket.ReceiveBuffer.ToArray(), Is.All.Zero);

        var last = socket.RequestAll([XfrmMessages.DeletePolicy(policy.Id), XfrmMessages.DeletePolicy(policy.Id)], "delete twice");

        Assert.That(last.Select(o => o?.Errno ?? 0), Is.EqualTo(new[] { 0, Errno.ENOENT }), "the last one's own answer, a refusal");
    }
}
