using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// IKE_SA_INIT answered in two halves when <see cref="IkeResponderOptions.OffloadSaInit"/> is set: the responder reserves
/// the SA (SPIr, Nr, its place under the limits) and hands a <see cref="SaInitJob"/> out; the DH exchange and key
/// schedule run elsewhere; <see cref="CompleteSaInit"/> then creates the half-open SA and sends the response. The state
/// stays the responder's alone: the job carries copies. A repeated IKE_SA_INIT while its job runs is dropped (the
/// initiator retransmits, RFC 7296 §2.1, and then gets the stored response).
/// </summary>
public sealed partial class IkeResponder
{
    private readonly Dictionary<(IkeSpi SpiI, IPEndPoint From), SaInitJob> _pendingInit = [];
    private readonly HashSet<IkeSpi> _pendingSpiR = [];

    /// <summary>Accepted IKE_SA_INIT requests whose <see cref="SaInitJob"/> has not come back yet.</summary>
    public int PendingSaInitCount => _pendingInit.Count;

    private void Offload(SaInitDecision.Accept a, byte[] initRequest, IkeHeader h, IPEndPoint from, IPEndPoint? local, bool? nat, MonoTime now)
    {
        IkeSpi spiR;
        do
        {
            spiR = new IkeSpi(SpiSource.RandomIkeSpi(_o.Random));
        }
        while (_sas.ContainsKey(spiR) || _pendingSpiR.Contains(spiR));
        var nr = new byte[32];
        _o.Random.Fill(nr);
        var job = new SaInitJob(a, initRequest, h, from, local, nat, spiR, nr, IkeAuthCertificates.SaInitExtras(_o), _o.SendMpsaVendorId, _o.AcceptChildless, _o.Random)
        {
            KeyShares = _o.KeyShares,
            Now = now,
        };
        _pendingInit.Add((h.SpiI, from), job);
        _pendingSpiR.Add(spiR);
        _sasByAddress[from.Address] = _sasByAddress.GetValueOrDefault(from.Address) + 1;
        _o.OffloadSaInit!(job);
    }

    /// <summary>Applies a job handed out through <see cref="IkeResponderOptions.OffloadSaInit"/> once it has run: the SA becomes half-open and the response goes out.</summary>
    public Step CompleteSaInit(SaInitJob job, MonoTime now)
    {
        ArgumentNullException.ThrowIfNull(job);
        var h = job.Header;
        var from = job.From;
        if (!_pendingInit.TryGetValue((h.SpiI, from), out var mine) || !ReferenceEquals(mine, job))
        {
            job.Dispose();   // not ours, or the responder was disposed meanwhile
            return Step.None;
        }
        _pendingInit.Remove((h.SpiI, from));
        _pendingSpiR.Remove(job.SpiR);
        var step = new StepBuilder();
        if (job.Keys is not { } keys || job.Response is not { } response)
        {
            UncountAddress(from.Address);
            job.Dispose();
            if (job.InvalidKe)
            {
                step.Send(from, IkeSaInit.BuildNotifyResponse(h, new NotifyPayload(NotifyType.INVALID_SYNTAX)));
                step.Emit(new MessageDropped(from, "initiator's KE value is invalid"));
            }
            else
            {
                step.Emit(new MessageDropped(from, "IKE_SA_INIT key exchange did not run"));
            }
            return step.Build();
        }
        job.Keys = null;   // the SA owns them now
        var ctx = new IkeSaContext(false, h.SpiI, job.SpiR, from, keys, job.Accept.Ni, job.Nr, _o.Random, _o.Retransmit)
        {
            PeerSupportsMpsa = job.Accept.PeerSupportsMpsa,
            NatDetected = job.Nat == true,
            Local = job.Local,
            FragmentationNegotiated = job.Accept.Fragmentation,
            FragmentSize = _o.FragmentSize,
            KeyShare = job.KeyShare,
        };
        var sa = new ResponderSa(ctx, job.InitRequest, response, now + _o.HalfOpenTimeout) { NatDetectionAnswered = job.Nat is not null };
        _sas.Add(job.SpiR, sa);
        _halfOpenByInitiator.Add((h.SpiI, from), job.SpiR);
        Schedule(sa);
        step.Send(from, response);
        return step.Build();
    }
}
