using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpsa.Controller;
using Mpsa.Controller.Groups;
using Mpsa.Controller.Members;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Exchanges;

namespace Mpsa.Tests.Controller;

/// <summary>A <see cref="ControllerEngine"/> and several CPE initiators on one virtual clock and an in-memory link.</summary>
internal sealed class ControllerHarness : IDisposable
{
    public static readonly IPEndPoint ControllerAddress = new(IPAddress.Parse("192.0.2.1"), 500);
    private readonly Queue<(IPEndPoint From, IPEndPoint To, byte[] Datagram)> _link = new();
    private readonly Dictionary<IPEndPoint, Cpe> _cpes = [];
    // Each CPE's deadline as of its last step; stale entries (the CPE moved its deadline since) are skipped when due.
    private readonly PriorityQueue<Cpe, MonoTime> _cpeDeadlines = new();
    private int _seed = 100;

    /// <param name="identityOf">Member i's identity; cpe{i}.example.net when not given.</param>
    public ControllerHarness(int members, GroupConfig? group = null, ILogger? log = null, MemberChildSas? childSas = null,
        Func<int, string>? identityOf = null, RekeyPolicy? rekey = null, Mpsa.Controller.State.IGroupStateStore? state = null)
    {
        Group = group ?? DefaultGroup();
        Members = Enumerable.Range(1, members).Select(i => new MemberConfig($"cpe{i}", identityOf?.Invoke(i) ?? $"cpe{i}.example.net",
            SecretBytes.CopyFrom(System.Text.Encoding.UTF8.GetBytes($"psk-of-cpe{i}-0123456789")), Group.Name, true)).ToList();
        Engine = new ControllerEngine(Settings(Members) with { Rekey = rekey ?? RekeyPolicy.Default }, log ?? NullLogger.Instance, new SeededRandom(7), Now, childSas, state: state);
    }

    public static GroupConfig DefaultGroup() => new("office", new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128),
        PrfId.PRF_HMAC_SHA2_256, TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), true);

    public ControllerSettings Settings(IReadOnlyList<MemberConfig> members) => new(
        "controller.example.net", [ControllerAddress], [Suites.Default], Suites.Esp,
        new Dictionary<string, GroupConfig> { [Group.Name] = Group }, members, "/nonexistent", "info", 100);

    public GroupConfig Group { get; }
    public List<MemberConfig> Members { get; }
    public ControllerEngine Engine { get; }
    public MonoTime Now { get; private set; } = new(1_000_000);

    internal sealed class Cpe(MemberConfig member, IkeInitiator initiator, IPEndPoint address, int order)
    {
        /// <summary>When it first connected: CPEs due at one instant time out in this order.</summary>
        public int Order { get; } = order;
        public MemberConfig Member { get; } = member;
        public IkeInitiator Initiator { get; set; } = initiator;
        public IPEndPoint Address { get; } = address;
        public List<MpsaPut> Received { get; } = [];
        public List<IkeEvent> Events { get; } = [];
        public bool Offline { get; set; }

        /// <summary>The CPE's verdict on each MPSA_PUT message it receives: null accepts (the default).</summary>
        public Func<MpsaReceived, Mpsa.Ike.Validation.MpsaRefusal?> Verdict { get; set; } = _ => null;

        /// <summary>Datagrams the controller sent while the CPE was offline.</summary>
        public int Undelivered { get; set; }
    }

    public IReadOnlyCollection<Cpe> Cpes => _cpes.Values;

    public Cpe Connect(int index) => ConnectAs(index, Members[index - 1].Identity);

    /// <summary>Member <paramref name="index"/>'s CPE (its PSK and address) connecting as <paramref name="identity"/>,
    /// from <paramref name="address"/> when given.</summary>
    public Cpe ConnectAs(int index, string identity, IPEndPoint? address = null)
    {
        var member = Members[index - 1];
        address ??= new IPEndPoint(new IPAddress([198, 51, (byte)(100 + index / 256), (byte)(index % 256)]), 500);   // 198.51.100.index up to 255
        var initiator = new IkeInitiator(new IkeInitiatorOptions
        {
            Proposals = [Suites.Default],
            LocalIdentity = identity,
            RemoteIdentity = "controller.example.net",
            Psk = member.Psk,
            ChildProposals = Suites.Esp,
            LocalSelectors = [TrafficSelector.ForHost(address.Address)],
            RemoteSelectors = [TrafficSelector.ForHost(ControllerAddress.Address)],
            Random = new SeededRandom(_seed++),
        }, ControllerAddress);
        var cpe = _cpes.TryGetValue(address, out var existing) ? existing : new Cpe(member, initiator, address, _cpes.Count);
        cpe.Initiator = initiator;
        _cpes[address] = cpe;
        FromCpe(cpe, initiator.Start(Now));
        Run();
        return cpe;
    }

    private void FromCpe(Cpe cpe, Step step)
    {
        if (cpe.Initiator.NextDeadline is { } deadline)
        {
            _cpeDeadlines.Enqueue(cpe, deadline);
        }
        cpe.Events.AddRange(step.Events);
        cpe.Received.AddRange(step.Events.OfType<MpsaReceived>().SelectMany(r => r.Puts));
        foreach (var o in step.Send)
        {
            _link.Enqueue((cpe.Address, o.To, o.Datagram));
        }
        foreach (var r in step.Events.OfType<MpsaReceived>())
        {
            FromCpe(cpe, cpe.Initiator.AnswerMpsaPut(r.MessageId, cpe.Verdict(r), Now));
        }
    }

    /// <summary>Every datagram the controller sent, in order.</summary>
    public List<Outgoing> ControllerSent { get; } = [];

    public void FromController(IReadOnlyList<Outgoing> send)
    {
        foreach (var o in send)
        {
            ControllerSent.Add(o);
            _link.Enqueue((ControllerAddress, o.To, o.Datagram));
        }
    }

    /// <summary>Delivers until quiet.</summary>
    public void Run()
    {
        while (_link.TryDequeue(out var d))
        {
            if (d.To.Equals(ControllerAddress))
            {
                FromController(Engine.Receive(d.Datagram, d.From, Now));
            }
            else if (_cpes.TryGetValue(d.To, out var cpe) && !cpe.Offline)
            {
                FromCpe(cpe, cpe.Initiator.Receive(d.Datagram, ControllerAddress, Now));
            }
            else if (cpe is not null)
            {
                cpe.Undelivered++;
            }
        }
    }

    /// <summary>Moves the clock to <paramref name="until"/>, firing every deadline on the way.</summary>
    public void AdvanceTo(MonoTime until)
    {
        while (true)
        {
            Run();
            var next = MonoTime.Min(Engine.NextDeadline, NextCpeDeadline());
            if (next is null || next.Value > until)
            {
                Now = until;
                FromController(Engine.OnTimeout(Now));
                Run();
                return;
            }
            Now = next.Value > Now ? next.Value : Now;
            FromController(Engine.OnTimeout(Now));
            foreach (var c in DueCpes().Where(c => !c.Offline).OrderBy(c => c.Order))
            {
                FromCpe(c, c.Initiator.OnTimeout(Now));
            }
        }
    }

    /// <summary>The earliest deadline of any CPE, online or not, dropping queue entries a CPE has since moved.</summary>
    private MonoTime? NextCpeDeadline()
    {
        while (_cpeDeadlines.TryPeek(out var cpe, out var deadline))
        {
            if (cpe.Initiator.NextDeadline == deadline)
            {
                return deadline;
            }
            _cpeDeadlines.Dequeue();
        }
        return null;
    }

    /// <summary>The CPEs due now; offline ones stay queued (they keep their deadline until they are back).</summary>
    private HashSet<Cpe> DueCpes()
    {
        var due = new HashSet<Cpe>();
        while (NextCpeDeadline() is { } deadline && deadline <= Now)
        {
            due.Add(_cpeDeadlines.Dequeue());
        }
        foreach (var c in due.Where(c => c.Offline))
        {
            _cpeDeadlines.Enqueue(c, c.Initiator.NextDeadline!.Value);
        }
        return due;
    }

    public void Advance(TimeSpan by) => AdvanceTo(Now + by);

    public void Dispose()
    {
        foreach (var c in _cpes.Values)
        {
            c.Initiator.Dispose();
            c.Received.ForEach(p => p.Dispose());
        }
        Engine.Dispose();
    }
}
