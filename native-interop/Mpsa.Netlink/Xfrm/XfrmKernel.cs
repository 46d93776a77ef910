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

    public IReadOnlyList<KernelResult> AddStates(IReadOnlyList<XfrmStateSpec> states) => PutStates(states, update: false);

    public IReadOnlyList<KernelResult> UpdatePolicies(IReadOnlyList<XfrmPolicySpec> policies) => PutPolicies(policies, update: true);

    private KernelResult PutState(XfrmStateSpec state, bool update)
    {
        ArgumentNullException.ThrowIfNull(state);
        return PutStates([state], update)[0];
    }

    private KernelResult[] PutStates(IReadOnlyList<XfrmStateSpec> states, bool update)
    {
        ArgumentNullException.ThrowIfNull(states);
        return PutAll(states, state =>
        {
            // the operation's text (the state printed in full) only for a refusal: a member's connect installs two states
            string Op() => (update ? "update state " : "add state ") + state;
            return XfrmSpecValidation.Check(state) is { } invalid ? KernelResult.Failed(Errno.EINVAL, Op(), invalid)
                : state.ReplayWindow > byte.MaxValue ? KernelResult.Failed(Errno.EINVAL, Op(), "replay window above 255 needs XFRMA_REPLAY_ESN_VAL, which is not sent")
                : null;
        }, state => XfrmMessages.NewState(state, update, SendsSaDirection), state => (update ? "update state " : "add state ") + state, state =>
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
        return PutPolicies([policy], update)[0];
    }

    private KernelResult[] PutPolicies(IReadOnlyList<XfrmPolicySpec> policies, bool update)
    {
        ArgumentNullException.ThrowIfNull(policies);
        // as for states: the policy printed in full only for a refusal
        return PutAll(policies,
            policy => XfrmSpecValidation.Check(policy) is { } invalid ? KernelResult.Failed(Errno.EINVAL, (update ? "update policy " : "add policy ") + policy, invalid) : null,
            policy => XfrmMessages.NewPolicy(policy, update), policy => (update ? "update policy " : "add policy ") + policy, null);
    }

    /// <summary>
    /// Sends the specs <paramref name="invalid"/> lets through in one datagram (<see cref="NetlinkSocket.RequestAll"/>):
    /// the kernel carries out each whatever became of the others. One result per spec, in order.
    /// </summary>
    private KernelResult[] PutAll<T>(IReadOnlyList<T> specs, Func<T, KernelResult?> invalid, Func<T, NetlinkMessageBuilder> request,
        Func<T, string> operation, Action<T>? added)
    {
        var results = new KernelResult[specs.Count];
        var requests = new List<NetlinkMessageBuilder>(specs.Count);
        var sent = new List<int>(specs.Count);
        try
        {
            for (int i = 0; i < specs.Count; i++)
            {
                ArgumentNullException.ThrowIfNull(specs[i]);
                if (invalid(specs[i]) is { } refused)
                {
                    results[i] = refused;
                    continue;
                }
                requests.Add(request(specs[i]));
                sent.Add(i);
            }
            var outcomes = _socket.RequestAll(requests, "");
            for (int k = 0; k < outcomes.Length; k++)
            {
                var spec = specs[sent[k]];
                if (outcomes[k] is { } error)
                {
                    results[sent[k]] = Outcome(error with { Operation = operation(spec) });
                }
                else
                {
                    added?.Invoke(spec);
                    results[sent[k]] = KernelResult.Ok;
                }
            }
            return results;
        }
        finally
        {
            foreach (var r in requests)
            {
                r.Dispose();
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
