using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent;

/// <summary>
/// `mpsa-agent self-check`: proves on the target (musl, aarch64 under qemu, a root without libssl) that the crypto
/// library loads and the protocol works: a known answer for HMAC-SHA-256, then a whole in-memory exchange on the
/// default suite (IKE_SA_INIT, IKE_AUTH, MPSA_PUT) with both sides deriving the same KEYMAT.
/// </summary>
internal static class SelfCheck
{
    public static int Run(TextWriter output)
    {
        try
        {
            // RFC 4231 §4.3 test case 2: HMAC-SHA-256(key "Jefe", "what do ya want for nothing?").
            byte[] mac = Prf.Create(PrfId.PRF_HMAC_SHA2_256).Compute("Jefe"u8, "what do ya want for nothing?"u8);
            if (Convert.ToHexStringLower(mac) != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
            {
                output.WriteLine("self-check FAILED: HMAC-SHA-256 known answer (RFC 4231 case 2)");
                return 1;
            }
            string fingerprint = DefaultSuiteExchange();
            output.WriteLine($"self-check OK: HMAC-SHA-256 known answer; {SuiteNames.Name(IkeSuite.Default)} exchange with MPSA_PUT, KEYMAT fingerprint {fingerprint} on both sides");
            output.WriteLine($"algorithms offered here: {Capabilities.Here.Describe()}");
            if (!Capabilities.Here.NatDetection && KernelSha1.Problem is { } problem)
            {
                output.WriteLine($"no NAT detection: {problem}");
            }
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            output.WriteLine($"self-check FAILED: {e.Message}");   // not the type's name: Type.Name needs reflection
            return 1;
        }
    }

    private static string DefaultSuiteExchange()
    {
        var cpe = new IPEndPoint(IPAddress.Loopback, 500);
        var controller = new IPEndPoint(IPAddress.Loopback, 4500);
        using var psk = SecretBytes.CopyFrom("self-check pre-shared key"u8);
        var esp = new EspSuite(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE);
        using var responder = new IkeResponder(new IkeResponderOptions
        {
            Proposals = [IkeSuite.Default],
            ChildProposals = [esp],
            LocalIdentity = "controller.self-check",
            FindPeer = id => new PeerPolicy("cpe", psk),
        });
        using var initiator = new IkeInitiator(new IkeInitiatorOptions
        {
            Proposals = [IkeSuite.Default],
            LocalIdentity = "cpe.self-check",
            RemoteIdentity = "controller.self-check",
            Psk = psk,
            ChildProposals = [esp],
            LocalSelectors = [TrafficSelector.ForHost(cpe.Address)],
            RemoteSelectors = [TrafficSelector.ForHost(controller.Address)],
        }, controller);
        var now = new MonoTime(0);
        IkeSpi spiR = default;
        MpsaPut? received = null;
        string? expected = null;
        var toResponder = new Queue<byte[]>();
        var toInitiator = new Queue<byte[]>();
        Enqueue(toResponder, initiator.Start(now).Send);
        for (int round = 0; round < 20 && (toResponder.Count > 0 || toInitiator.Count > 0); round++)
        {
            while (toResponder.TryDequeue(out var d))
            {
                var step = responder.Receive(d, cpe, now);
                Enqueue(toInitiator, step.Send);
                if (First<IkeSaEstablished>(step.Events) is { } up)
                {
                    spiR = up.SpiR;
                }
            }
            while (toInitiator.TryDequeue(out var d))
            {
                var step = initiator.Receive(d, controller, now);
                Enqueue(toResponder, step.Send);
                if (First<MpsaReceived>(step.Events) is { } r)
                {
                    received ??= r.Puts[0];
                    Enqueue(toResponder, initiator.AnswerMpsaPut(r.MessageId, null, now).Send);
                }
            }
            if (initiator.Phase == InitiatorPhase.Established && spiR.Value != 0 && received is null && toInitiator.Count == 0)
            {
                using var put = new MpsaPut(new EspSpi(0xc0ffee01), EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128,
                    PrfId.PRF_HMAC_SHA2_256, NewRandom(32), SecretBytes.CopyFrom(NewRandom(32)), 60, 1, 2);
                Enqueue(toInitiator, responder.SendMpsaPut(spiR, [put], now).Send);
                using var sent = ChildKeyMaterial.DeriveMpsa(Prf.Create(put.Prf), put.SkD.Span, put.Nonce, new EspSuite(put.Encr, 256, put.Integ));
                expected = KeymatFingerprint.Of(sent);
            }
        }
        if (received is null)
        {
            throw new InvalidOperationException($"the in-memory exchange did not complete (initiator {initiator.Phase})");
        }
        using (received)
        using (var keys = ChildKeyMaterial.DeriveMpsa(Prf.Create(received.Prf), received.SkD.Span, received.Nonce, new EspSuite(received.Encr, 256, received.Integ)))
        {
            string got = KeymatFingerprint.Of(keys);
            return got == expected ? got : throw new InvalidOperationException("the two sides derived different KEYMAT");
        }
    }

    private static void Enqueue(Queue<byte[]> queue, IReadOnlyList<Outgoing> send)
    {
        foreach (var s in send)
        {
            queue.Enqueue(s.Datagram);
        }
    }

    private static T? First<T>(IReadOnlyList<IkeEvent> events) where T : IkeEvent
    {
        foreach (var e in events)
        {
            if (e is T match)
            {
                return match;
            }
        }
        return null;
    }

    private static byte[] NewRandom(int n)
    {
        var b = new byte[n];
        SystemRandom.Instance.Fill(b);
        return b;
    }
}
