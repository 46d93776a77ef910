using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// The pure half of answering an accepted IKE_SA_INIT, for a thread other than the responder's (see
/// <see cref="IkeResponderOptions.OffloadSaInit"/>): our DH value and g^ir, the response, and the key schedule
/// (RFC 7296 §2.14). <see cref="Run"/> touches only this object; the responder decided everything that depends on
/// its state (SPIr, Nr, limits) before, and applies the result in <see cref="IkeResponder.CompleteSaInit"/>.
/// </summary>
public sealed class SaInitJob : IDisposable
{
    private readonly IReadOnlyList<IPayload>? _extras;
    private readonly bool _sendMpsaVendorId;
    private readonly bool _childless;
    private readonly IRandom _random;

    internal SaInitJob(SaInitDecision.Accept accept, byte[] initRequest, IkeHeader header, IPEndPoint from, IPEndPoint? local,
        bool? nat, IkeSpi spiR, byte[] nr, IReadOnlyList<IPayload>? extras, bool sendMpsaVendorId, bool childless, IRandom random)
    {
        Accept = accept;
        InitRequest = initRequest;
        Header = header;
        From = from;
        Local = local;
        Nat = nat;
        SpiR = spiR;
        Nr = nr;
        _extras = extras;
        _sendMpsaVendorId = sendMpsaVendorId;
        _childless = childless;
        _random = random;
    }

    internal SaInitDecision.Accept Accept { get; }
    internal byte[] InitRequest { get; }
    internal IkeHeader Header { get; }
    internal IPEndPoint From { get; }
    internal IPEndPoint? Local { get; }
    internal bool? Nat { get; }
    internal IkeSpi SpiR { get; }
    internal byte[] Nr { get; }

    /// <summary>Where our KE value comes from when reused (RFC 7296 §2.12); null: a fresh one.</summary>
    internal KeyShareReuse? KeyShares { get; init; }

    /// <summary>When the responder took the request: the age a reused key share is judged by.</summary>
    internal MonoTime Now { get; init; }

    /// <summary>The reused key share the keys were made with; retired if the job's keys are never taken.</summary>
    internal KeyShare? KeyShare { get; private set; }

    /// <summary>HDR, SAr1, KEr, Nr, [N(NAT_DETECTION_*)], [V]; null until run, or when the initiator's KE was invalid.</summary>
    internal byte[]? Response { get; private set; }

    /// <summary>SK_*; owned by the job until the responder takes them.</summary>
    internal IkeSaKeys? Keys { get; set; }

    /// <summary>The initiator's KE value was refused (a low-order point, a value out of range).</summary>
    internal bool InvalidKe { get; private set; }

    /// <summary>Computes the DH exchange, the response and the keys. Any thread; once.</summary>
    public void Run()
    {
        using var dh = DiffieHellman.ForSaInit(Accept.Suite.Dh, _random, KeyShares, Now);
        using var sharedSecret = dh.DeriveSharedSecret(Accept.KeI);
        if (sharedSecret is null)
        {
            InvalidKe = true;
            return;
        }
        // NAT-D is answered only when the initiator asked (it sent NAT-D) and we know our own address.
        var natD = Nat is null ? null : NatDetection.Notifies(Header.SpiI, SpiR, Local!, From);
        Response = IkeSaInit.BuildResponse(Header, SpiR, Accept.Suite, Accept.ProposalNumber, dh, Nr, _sendMpsaVendorId, natD, _extras, Accept.Fragmentation, _childless);
        // SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
        Keys = IkeKeySchedule.Derive(Accept.Suite, sharedSecret.Span, Accept.Ni, Nr, Header.SpiI.Value, SpiR.Value);
        KeyShare = (dh as KeyShareLease)?.Share;
    }

    /// <summary>Zeroes keys the responder never took (a job completed after the responder went, or never completed),
    /// and retires the key share they came from, as the end of an IKE SA would.</summary>
    public void Dispose()
    {
        if (Keys is not null)
        {
            Keys.Dispose();
            Keys = null;
            KeyShare?.Retire();
        }
    }
}
