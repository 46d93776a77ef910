using System.Net;
using Mpsa.Hosting;
using Mpsa.Sockets;

namespace Mpsa.Tests.Sockets;

/// <summary>One wait over sockets and a wake-up: UDP on loopback, port 0.</summary>
public class SocketPollTests
{
    private static UdpEndpoint Open() => new(new IPEndPoint(IPAddress.Loopback, 0));

    [Test]
    public void AWaitWithoutInputEndsAfterItsTimeWithNothingToRead()
    {
        using var a = Open();
        using var poll = new SocketPoll([a.Socket]);
        var started = DateTime.UtcNow;
        Assert.That(poll.Wait(50), Is.False);
        Assert.That(DateTime.UtcNow - started, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(45)));
        Assert.That(poll.HasInput(0), Is.False);
    }

    [Test]
    public void TellsWhichSocketHasADatagram()
    {
        using var a = Open();
        using var b = Open();
        using var sender = Open();
        using var poll = new SocketPoll([a.Socket, b.Socket]);
        Assert.That(poll.Sockets, Is.EqualTo(2));
        sender.SendTo(new byte[] { 7 }, b.LocalEndPoint);
        Assert.That(poll.Wait(5000), Is.False, "no wake-up, a datagram");
        Assert.That((poll.HasInput(0), poll.HasInput(1)), Is.EqualTo((false, true)));
        Assert.That(b.ReceiveWaiting((_, _) => { }, 10), Is.EqualTo(1));
        Assert.That(poll.Wait(0), Is.False);
        Assert.That(poll.HasInput(1), Is.False, "read");
    }

    [Test]
    public async Task AWakeFromAnotherThreadEndsAWaitAndIsTakenByIt()
    {
        using var a = Open();
        using var poll = new SocketPoll([a.Socket]);
        var waiting = Task.Factory.StartNew(() => poll.Wait(-1), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        Assert.That(waiting.IsCompleted, Is.False, "it sleeps");
        poll.Wake();
        Assert.That(await waiting.WaitAsync(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(poll.Wait(0), Is.False, "taken");
        poll.Wake();
        poll.Wake();
        Assert.That(poll.Wait(0), Is.True, "a wake before the wait counts");
        Assert.That(poll.Wait(0), Is.False, "two wakes, one wait");
    }
}
