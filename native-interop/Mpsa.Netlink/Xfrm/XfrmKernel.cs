using System.Globalization;
using System.Net;
using System.Text;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Xfrm;

/// <summary>
/// <see cref="IKernel"/> over NETLINK_XFRM: one persistent request socket (requests serialised, each with a fresh
/// sequence number and NLM_F_ACK), and one multicast socket per <see cref="Subscribe"/> for XFRMNLGRP_EXPIRE and
/// XFRMNLGRP_ACQUIRE. Kernel refusals come back as <see cref="KernelResult"/> (-EEXIST AlreadyExists, -ESRCH/-ENOENT
/// NotFound, anything else Failed with errno and the kernel's extended-ack text); specs the kernel would refuse with
/// EINVAL are refused the way <see cref="InMemoryKernel"/> refuses them (<see cref="XfrmSpecValidation"/>).
/// Needs CAP_NET_ADMIN in the network namespace the sockets are opened in (at construction and at Subscribe).
/// Thread-safe. Request buffers holding keys are zeroed after each call; nothing here logs.
/// </summary>
/// <remarks>
/// The kernel finds a marked state only when the request carries its mark, but <see cref="XfrmStateId"/> has none:
/// marks of states added or listed through this instance are remembered, and an unknown one is looked up with a dump
/// when the unmarked request finds nothing. Unlike <see cref="InMemoryKernel"/>, the kernel lets two states share
/// (destination, SPI, protocol) when their marks differ.
/// </remarks>
internal sealed class XfrmKernel : IKernel, IDisposable
{
    private const int DumpAttempts = 3;

    private readonly NetlinkSocket _socket;
    private readonly Dictionary<XfrmStateId, XfrmMark> _marks = [];   // under its own lock (callers may be on several threads)

    /// <summary>Opens the request socket; throws <see cref="NetlinkException"/> when the kernel refuses (no XFRM, no permission).</summary>
    /// <param name="sendSaDirection">Whether to send XFRMA_SA_DIR for specs with a direction; null: when the running kernel is 6.10 or later.</param>
    public XfrmKernel(bool? sendSaDirection = null)
    {
        _socket = NetlinkSocket.Open(NetlinkProtocol.NETLINK_XFRM);
        SendsSaDirection = sendSaDirection ?? SupportsSaDirection(ReadKernelRelease());
    }

    /// <summary>True when XFRMA_SA_DIR goes out with states that have a <see cref="XfrmStateSpec.Direction"/>.</summary>
    public bool SendsSaDirection { get; }

    /// <summary>True for a release ("6.10.0-1-amd64") of Linux 6.10 or later, which knows XFRMA_SA_DIR.</summary>
    public static bool SupportsSaDirection(string? release)
    {
        if (release is null)
        {
            return false;
        }
        var parts = release.Split('.', 3);
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            && int.TryParse(LeadingDigits(parts[1]), NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            && (major > 6 || (major == 6 && minor >= 10));
    }

    /// <summary>"10" of "10-rc1".</summary>
    private static ReadOnlySpan<char> LeadingDigits(string text)
    {
        int end = text.AsSpan().IndexOfAnyExceptInRange('0', '9');
        return end < 0 ? text : text.AsSpan(0, end);
    }

    public KernelResult AddState(XfrmStateSpec state) => PutState(state, update: false);

    public KernelResult UpdateState(XfrmStateSpec state) => PutState(state, update: true);

    public KernelResult DeleteState(XfrmStateId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        string op = $"delete state {id}";
        var result = WithStateMark(id, mark =>
        {
            using var request = XfrmMessages.StateId(XfrmMsgType.XFRM_MSG_DELSA, id, mark);
            return _socket.Request(request, op);
        });
        if (result is null)
        {
            Forget(id);
        }
        return Outcome(result);
    }

    public KernelResult GetStateCounters(XfrmStateId id, out ulong packets, out ulong bytes)
    {
        ArgumentNullException.ThrowIfNull(id);
        string op = $"get state {id}";
        XfrmStateEntry? found = null;
        var result = WithStateMark(id, mark =>
        {
            using var request = XfrmMessages.StateId(XfrmMsgType.XFRM_MSG_GETSA, id, mark);
            return _socket.Request(request, op, reply =>
            {
                if (reply.Type == (ushort)XfrmMsgType.XFRM_MSG_NEWSA)
                {
                    found = XfrmMessages.ReadState(reply);
                }
            });
        });
        packets = found?.Packets ?? 0;
        bytes = found?.Bytes ?? 0;
        return Outcome(result);
    }

    public KernelResult AddPolicy(XfrmPolicySpec policy) => PutPolicy(policy, update: false);

    public KernelResult UpdatePolicy(XfrmPolicySpec policy) => PutPolicy(policy, update: true);

    public KernelResult DeletePolicy(XfrmPolicyId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        string op = $"delete policy {id}";
        using var request = XfrmMessages.DeletePolicy(id);
        return Outcome(_socket.Request(request, op));
    }

    /// <summary>XFRM_MSG_ALLOCSPI: the kernel picks a random free SPI in [min, max] and keeps a larval (ACQ) state under it.</summary>
    public KernelResult AllocateSpi(IPAddress? source, IPAddress destination, uint reqId, uint min, uint max, out EspSpi spi)
    {
        ArgumentNullException.ThrowIfNull(destination);
        string op = string.Create(CultureInfo.InvariantCulture, $"allocate spi dst {destination} range 0x{min:x8}-0x{max:x8} reqid 0x{reqId:x}");
        spi = default;
        if (source is not null && source.AddressFamily != destination.AddressFamily)
        {
            return KernelResult.Failed(Errno.EINVAL, op, "source and destination address families differ");
        }
        XfrmStateEntry? larval = null;
        using var request = XfrmMessages.AllocateSpi(source, destination, reqId, min, max);
        var error = _socket.Request(request, op, reply =>
        {
            if (reply.Type == (ushort)XfrmMsgType.XFRM_MSG_NEWSA)
            {
                larval = XfrmMessages.ReadState(reply);
            }
        });
        if (error is not null)
        {
            return Outcome(error);
        }
        if (larval is null)
        {
            return KernelResult.Failed(Errno.EPROTO, op, "the kernel acknowledged without the new state");
        }
        spi = larval.Id.Spi;
        return KernelResult.Ok;
    }

    /// <summary>The owner's states from a GETSA dump; empty when the dump fails (a later call retries).</summary>
    public IReadOnlyList<XfrmStateId> ListStates(KernelOwnership owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var ids = new List<XfrmStateId>();
        foreach (var s in DumpStates())
        {
            if (owner.Owns(s.ReqId, s.Mark))
            {
                ids.Add(s.Id);
            }
        }
        return ids;
    }

    /// <summary>The owner's policies from a GETPOLICY dump; empty when the dump fails (a later call retries).</summary>
    public IReadOnlyList<XfrmPolicyId> ListPolicies(KernelOwnership owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var policies = new List<XfrmPolicyEntry>();
        for (int attempt = 0; attempt < DumpAttempts; attempt++)
        {
            policies.Clear();
            using var request = XfrmMessages.Dump(XfrmMsgType.XFRM_MSG_GETPOLICY);
            var error = _socket.Dump(request, "dump policies", part =>
            {
                if (part.Type == (ushort)XfrmMsgType.XFRM_MSG_NEWPOLICY && XfrmMessages.ReadPolicy(part) is { } entry)
                {
                    policies.Add(entry);
                }
            });
            if (error is null)
            {
                var ids = new List<XfrmPolicyId>();
                foreach (var p in policies)
                {
                    if (owner.Owns(p.ReqId, p.Id.Mark))
                    {
                        ids.Add(p.Id);
                    }
                }
                return ids;
            }
            if (error.Value.Errno != Errno.EINTR)
            {
                break;
            }
        }
        return [];
    }

    /// <summary>
    /// Opens a socket bound to XFRMNLGRP_EXPIRE and XFRMNLGRP_ACQUIRE and a background thread that calls
    /// <paramref name="handler"/> with <see cref="StateExpired"/> and <see cref="AcquireRequested"/>, one at a time, on
    /// that thread (the agent's driver loop posts them into its channel). Disposing the handle stops the thread.
    /// Throws <see cref="NetlinkException"/> when the socket cannot be opened.
    /// </summary>
    public IDisposable Subscribe(Action<KernelEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        uint groups = (1u << ((int)XfrmGroup.XFRMNLGRP_ACQUIRE - 1)) | (1u << ((int)XfrmGroup.XFRMNLGRP_EXPIRE - 1));
        return new NetlinkMulticastListener(NetlinkProtocol.NETLINK_XFRM, groups, message =>
        {
            KernelEvent? e = message.Type switch
            {
                (ushort)XfrmMsgType.XFRM_MSG_EXPIRE => XfrmMessages.ReadExpire(message),
                (ushort)XfrmMsgType.XFRM_MSG_ACQUIRE => XfrmMessages.ReadAcquire(message),
                _ => null,
            };
            if (e is not null)
            {
                handler(e);
            }
        }, "xfrm-events");
    }

    public void Dispose() => _socket.Dispose();

    private static string? ReadKernelRelease()
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes("/proc/sys/kernel/osrelease")).Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static KernelResult Outcome(NetlinkError? error) => error?.ToKernelResult() ?? KernelResult.Ok;

    public KernelResult[] AddStates(IReadOnlyList<XfrmStateSpec> states) => PutStates(states, update: false);

    public KernelResult[] UpdatePolicies(IReadOnlyList<XfrmPolicySpec> policies) => PutPolicies(policies, update: true);

    private KernelResult PutState(XfrmStateSpec state, bool update)
    {
        ArgumentNullException.ThrowIfNull(state);
        return PutStates(new[] { state }, update)[0];
    }

    private KernelResult[] PutStates(IReadOnlyList<XfrmStateSpec> states, bool update)
    {
        ArgumentNullException.ThrowIfNull(states);
        // the operation's text (the state printed in full) only for a refusal: a member's connect installs two states
        return PutAll(states, update ? "update state " : "add state ",
            state => XfrmSpecValidation.Check(state)
                ?? (state.ReplayWindow > byte.MaxValue ? "replay window above 255 needs XFRMA_REPLAY_ESN_VAL, which is not sent" : null),
            state => XfrmMessages.NewState(state, update, SendsSaDirection), state =>
            {
                if (state.Mark is { } mark)
                {
                    Remember(state.Id, mark);
                }
                else
                {
                    Forget(state.Id);
                }
            });
    }

    private KernelResult PutPolicy(XfrmPolicySpec policy, bool update)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return PutPolicies(new[] { policy }, update)[0];
    }

    private KernelResult[] PutPolicies(IReadOnlyList<XfrmPolicySpec> policies, bool update)
    {
        ArgumentNullException.ThrowIfNull(policies);
        return PutAll(policies, update ? "update policy " : "add policy ", XfrmSpecValidation.Check, policy => XfrmMessages.NewPolicy(policy, update), null);
    }

    /// <summary>
    /// Sends the specs <paramref name="invalid"/> finds nothing wrong with in one datagram (<see cref="NetlinkSocket.RequestAll"/>):
    /// the kernel carries out each whatever became of the others. One result per spec, in order; a refusal's operation
    /// is <paramref name="verb"/> and the spec printed in full.
    /// </summary>
    private KernelResult[] PutAll<T>(IReadOnlyList<T> specs, string verb, Func<T, string?> invalid, Func<T, NetlinkMessageBuilder> request,
        Action<T>? added) where T : class
    {
        var results = new KernelResult[specs.Count];
        var requests = new NetlinkMessageBuilder[specs.Count];
        var sent = new T[specs.Count];
        var at = new int[specs.Count];
        int count = 0;
        try
        {
            for (int i = 0; i < specs.Count; i++)
            {
                var spec = specs[i];
                ArgumentNullException.ThrowIfNull(spec);
                if (invalid(spec) is { } reason)
                {
                    results[i] = KernelResult.Failed(Errno.EINVAL, verb + spec, reason);
                    continue;
                }
                sent[count] = spec;
                at[count] = i;
                requests[count++] = request(spec);
            }
            var outcomes = _socket.RequestAll(requests.AsSpan(0, count), "");
            for (int k = 0; k < outcomes.Length; k++)
            {
                if (outcomes[k] is { } error)
                {
                    results[at[k]] = Outcome(error with { Operation = verb + sent[k] });
                }
                else
                {
                    added?.Invoke(sent[k]);
                    results[at[k]] = KernelResult.Ok;
                }
            }
            return results;
        }
        finally
        {
            for (int k = 0; k < count; k++)
            {
                requests[k].Dispose();
            }
        }
    }

    private void Remember(XfrmStateId id, XfrmMark mark)
    {
        lock (_marks)
        {
            _marks[id] = mark;
        }
    }

    private void Forget(XfrmStateId id)
    {
        lock (_marks)
        {
            _marks.Remove(id);
        }
    }

    private XfrmMark? Known(XfrmStateId id)
    {
        lock (_marks)
        {
            return _marks.TryGetValue(id, out var mark) ? mark : null;
        }
    }

    /// <summary>Runs a keyed state request with the state's mark: the remembered one, else none, and on ESRCH the one a dump shows.</summary>
    private NetlinkError? WithStateMark(XfrmStateId id, Func<XfrmMark?, NetlinkError?> send)
    {
        XfrmMark? known = Known(id);
        var error = send(known);
        if (error is { Errno: Errno.ESRCH or Errno.ENOENT })
        {
            var marked = DumpStates().Find(s => s.Id == id && s.Mark is not null && s.Mark != known);
            if (marked?.Mark is { } mark)
            {
                error = send(mark);
            }
        }
        return error;
    }

    private List<XfrmStateEntry> DumpStates()
    {
        var states = new List<XfrmStateEntry>();
        for (int attempt = 0; attempt < DumpAttempts; attempt++)
        {
            states.Clear();
            using var request = XfrmMessages.Dump(XfrmMsgType.XFRM_MSG_GETSA);
            var error = _socket.Dump(request, "dump states", part =>
            {
                if (part.Type == (ushort)XfrmMsgType.XFRM_MSG_NEWSA)
                {
                    states.Add(XfrmMessages.ReadState(part));
                }
            });
            if (error is null)
            {
                foreach (var s in states)
                {
                    if (s.Mark is { } mark)
                    {
                        Remember(s.Id, mark);
                    }
                }
                return states;
            }
            if (error.Value.Errno != Errno.EINTR)
            {
                break;
            }
        }
        return [];
    }
}
