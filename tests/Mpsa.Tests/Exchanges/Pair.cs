using System.Buffers.Binary;
using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// An initiator and a responder joined by an in-memory link on a virtual clock (quinn-proto's test Pair):
/// <see cref="Drive"/> delivers datagrams until none are in flight, then jumps to the next deadline.
/// </summary>
internal sealed class Pair : IDisposable
{
    public static readonly IPEndPoint Cpe = new(IPAddress.Parse("192.0.2.10"), 500);
    public static readonly IPEndPoint Controller = new(IPAddress.Parse("192.0.2.1"), 500);
    public const string CpeId = "cpe1.example.net";
    public const string ControllerId = "controller.example.net";

    private readonly Queue<(bool ToResponder, byte[] Datagram)> _link = new();

    public Pair(IkeSuite suite, Action<InitiatorSettings>? initiator = null, Action<ResponderSettings>? responder = null)
    {
        var i = new InitiatorSettings { Proposals = [suite] };
        initiator?.Invoke(i);
        var r = new ResponderSettings { Proposals = [suite] };
        responder?.Invoke(r);
        Psk = SecretBytes.CopyFrom("a shared secret of some length"u8);
        Initiator = new IkeInitiator(new IkeInitiatorOptions
        {
            Proposals = i.Proposals,
            LocalIdentity = CpeId,
            RemoteIdentity = i.RemoteIdentity,
            Psk = i.Certificates is null ? i.Psk ?? Psk : null,
            Certificates = i.Certificates,
            ChildProposals = i.ChildProposals,
            RequestChildSa = i.RequestChildSa,
            LocalSelectors = [TrafficSelector.ForHost(Cpe.Address)],
            RemoteSelectors = [TrafficSelector.ForHost(Controller.Address)],
            TransportMode = true,
            SendMpsaVendorId = i.SendMpsaVendorId,
            Random = new SeededRandom(i.Seed),
            KeyShares = i.KeyShares,
        }, Controller);
        Responder = new IkeResponder(new IkeResponderOptions
        {
            Proposals = r.Proposals,
            ChildProposals = r.ChildProposals,
            LocalIdentity = ControllerId,
            FindPeer = id => id.ToText() == CpeId
                ? new PeerPolicy(CpeId, r.Certificates is null ? Psk : null, r.RequireMpsaVendorId) { RequirePostQuantum = r.RequirePostQuantum }
                : null,
            CookieThreshold = r.CookieThreshold,
            Limits = r.Limits,
            Certificates = () => r.Certificates,
            Random = new SeededRandom(2),
            OffloadSaInit = r.OffloadSaInit,
            KeyShares = r.KeyShares,
            AcceptChildless = r.AcceptChildless,
            NarrowSelectors = r.NarrowSelectors,
        });
    }

    public SecretBytes Psk { get; }
    public IkeInitiator Initiator { get; }
    public IkeResponder Responder { get; }
    public MonoTime Now { get; private set; } = new(0);
    public List<IkeEvent> InitiatorEvents { get; } = [];
    public List<IkeEvent> ResponderEvents { get; } = [];
    public List<(MonoTime At, bool ToResponder, byte[] Datagram)> Wire { get; } = [];

    /// <summary>Return true to lose the datagram on the link.</summary>
    public Func<bool, byte[], bool> Drop { get; set; } = (_, _) => false;

    /// <summary>Return true to deliver the datagram twice.</summary>
    public Func<bool, byte[], bool> Duplicate { get; set; } = (_, _) => false;

    public IkeSpi ResponderSpi => Initiator.SpiR;

    /// <summary>The CPE's verdict on each MPSA_PUT message, answered at once: null accepts (the default).</summary>
    public Func<MpsaReceived, Mpsa.Ike.Validation.MpsaRefusal?> Verdict { get; set; } = _ => null;

    public void FromInitiator(Step s)
    {
        InitiatorEvents.AddRange(s.Events);
        foreach (var o in s.Send)
        {
            Assert.That(o.To, Is.EqualTo(Controller));
            Put(true, o.Datagram);
        }
        foreach (var r in s.Events.OfType<MpsaReceived>())
        {
            FromInitiator(Initiator.AnswerMpsaPut(r.MessageId, Verdict(r), Now));
        }
    }

    public void FromResponder(Step s)
    {
        ResponderEvents.AddRange(s.Events);
        foreach (var o in s.Send)
        {
            Assert.That(o.To, Is.EqualTo(Cpe));
            Put(false, o.Datagram);
        }
    }

    private void Put(bool toResponder, byte[] datagram)
    {
        Wire.Add((Now, toResponder, datagram));
        if (Drop(toResponder, datagram))
        {
            return;
        }
        _link.Enqueue((toResponder, datagram));
        if (Duplicate(toResponder, datagram))
        {
            _link.Enqueue((toResponder, datagram));
        }
    }

    /// <summary>Delivers the next datagram in flight; false when none is.</summary>
    public bool DeliverNext()
    {
        if (!_link.TryDequeue(out var d))
        {
            return false;
        }
        if (d.ToResponder)
        {
            FromResponder(Responder.Receive(d.Datagram, Cpe, Now));
        }
        else
        {
            FromInitiator(Initiator.Receive(d.Datagram, Controller, Now));
        }
        return true;
    }

    /// <summary>Takes every datagram in flight off the link, to reorder them with <see cref="Inject"/>.</summary>
    public List<(bool ToResponder, byte[] Datagram)> TakeInFlight()
    {
        var all = _link.ToList();
        _link.Clear();
        return all;
    }

    /// <summary>Puts a datagram on the link behind what is in flight (not recorded on <see cref="Wire"/> again).</summary>
    public void Inject(bool toResponder, byte[] datagram) => _link.Enqueue((toResponder, datagram));

    /// <summary>Delivers until nothing is in flight.</summary>
    public void Deliver()
    {
        while (_link.TryDequeue(out var d))
        {
            if (d.ToResponder)
            {
                FromResponder(Responder.Receive(d.Datagram, Cpe, Now));
            }
            else
            {
                FromInitiator(Initiator.Receive(d.Datagram, Controller, Now));
            }
        }
    }

    /// <summary>Delivers, then jumps the clock to the next deadline, until <paramref name="done"/> or nothing is left to do.</summary>
    public void Drive(Func<bool> done, TimeSpan? limit = null)
    {
        var end = Now + (limit ?? TimeSpan.FromMinutes(10));
        while (true)
        {
            Deliver();
            if (done())
            {
                return;
            }
            var next = MonoTime.Min(Initiator.NextDeadline, Responder.NextDeadline);
            if (next is null || next.Value > end)
            {
                return;
            }
            if (next.Value > Now)
            {
                Now = next.Value;
            }
            FromInitiator(Initiator.OnTimeout(Now));
            FromResponder(Responder.OnTimeout(Now));
        }
    }

    public void Advance(TimeSpan by) => Now += by;

    public void Establish()
    {
        FromInitiator(Initiator.Start(Now));
        Drive(() => Initiator.Phase is InitiatorPhase.Established or InitiatorPhase.Gone);
    }

    /// <summary>A real initiator's IKE_SA_INIT with another SPIi (SPIi is not protected in IKE_SA_INIT): one more member.</summary>
    public static byte[] SaInit(ulong spiI)
    {
        using var fresh = new Pair(Suites.Default);
        byte[] init = fresh.Initiator.Start(fresh.Now).Send[0].Datagram;
        BinaryPrimitives.WriteUInt64BigEndian(init, spiI);
        return init;
    }

    public T Single<T>(List<IkeEvent> events) where T : IkeEvent => events.OfType<T>().Single();

    public void Dispose()
    {
        Initiator.Dispose();
        Responder.Dispose();
        Psk.Dispose();
    }
}

internal sealed class InitiatorSettings
{
    public required IReadOnlyList<IkeSuite> Proposals { get; set; }
    public IReadOnlyList<EspSuite> ChildProposals { get; set; } = Suites.Esp;

    /// <summary>The initiator's random source (its SPIs, nonces and DH value); another seed makes another member.</summary>
    public int Seed { get; set; } = 1;
    public string RemoteIdentity { get; set; } = Pair.ControllerId;
    public SecretBytes? Psk { get; set; }
    public Mpsa.Ike.Certificates.CertificateAuth? Certificates { get; set; }
    public bool SendMpsaVendorId { get; set; } = true;
    public bool RequestChildSa { get; set; } = true;

    /// <summary>The initiator's reused X25519 key share (<see cref="IkeInitiatorOptions.KeyShares"/>); null: fresh ones.</summary>
    public KeyShareReuse? KeyShares { get; set; }
}

internal sealed class ResponderSettings
{
    public required IReadOnlyList<IkeSuite> Proposals { get; set; }
    public IReadOnlyList<EspSuite> ChildProposals { get; set; } = Suites.Esp;
    public bool RequireMpsaVendorId { get; set; } = true;
    public bool RequirePostQuantum { get; set; }
    public int CookieThreshold { get; set; } = 100;
    public ResponderLimits Limits { get; set; } = ResponderLimits.Default;
    public bool AcceptChildless { get; set; } = true;

    /// <summary>The responder's <see cref="IkeResponderOptions.NarrowSelectors"/> (null: accept as proposed).</summary>
    public Func<IReadOnlyList<TrafficSelector>, IReadOnlyList<TrafficSelector>, (IReadOnlyList<TrafficSelector> TSi, IReadOnlyList<TrafficSelector> TSr)?>? NarrowSelectors { get; set; }

    /// <summary>When set, the member authenticates by certificate (no PSK) and the responder signs.</summary>
    public Mpsa.Ike.Certificates.CertificateAuth? Certificates { get; set; }

    /// <summary>When set, IKE_SA_INIT's key exchange is handed out (<see cref="IkeResponderOptions.OffloadSaInit"/>).</summary>
    public Action<SaInitJob>? OffloadSaInit { get; set; }

    /// <summary>The responder's reused X25519 key share (<see cref="IkeResponderOptions.KeyShares"/>); null: fresh ones.</summary>
    public KeyShareReuse? KeyShares { get; set; }
}

/// <summary>A replayable random source for exchanges (not for keys outside tests).</summary>
internal sealed class SeededRandom(int seed) : IRandom
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
