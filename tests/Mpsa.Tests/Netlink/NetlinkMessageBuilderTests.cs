using Mpsa.Netlink.Core;
using Mpsa.Netlink.Xfrm;
using static Mpsa.Tests.Netlink.XfrmSpecs;

namespace Mpsa.Tests.Netlink;

/// <summary>A request buffer can carry the keys of a NEWSA: it keeps no copy once disposed or outgrown.</summary>
public class NetlinkMessageBuilderTests
{
    private static readonly byte[] EncrKey = Enumerable.Repeat((byte)0x42, 32).ToArray();

    [Test]
    public void ZeroesTheStateRequestOnDispose()
    {
        var b = XfrmMessages.NewState(State("192.0.2.1", 0xc0000101), update: false, withDirection: false);
        ReadOnlySpan<byte> message = b.Finish(1);
        Assert.That(message.IndexOf(EncrKey), Is.GreaterThan(0), "the encryption key is in the request");

        b.Dispose();

        Assert.That(message.ToArray(), Is.All.Zero);
    }

    [Test]
    public void ZeroesTheOutgrownBufferWhenItGrows()
    {
        using var b = new NetlinkMessageBuilder((ushort)XfrmMsgType.XFRM_MSG_NEWSA, NlmFlags.NLM_F_REQUEST, 32);
        b.AddAttribute((ushort)XfrmAttr.XFRMA_ALG_CRYPT, EncrKey.AsSpan(0, 12));   // 16 + 4 + 12: exactly full
        ReadOnlySpan<byte> outgrown = b.Finish(1);
        Assert.That(outgrown.Length, Is.EqualTo(32));

        b.AddAttribute((ushort)XfrmAttr.XFRMA_ALG_AUTH, EncrKey.AsSpan(0, 12));

        Assert.That(outgrown.ToArray(), Is.All.Zero, "the buffer left behind");
        Assert.That(b.Finish(1).IndexOf(EncrKey.AsSpan(0, 12)), Is.GreaterThan(0), "the message, moved");
    }
}
