using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>
/// RFC 7296 §1.2 IKE_AUTH with PSK (§2.15) and the first CHILD_SA (§2.17):
///   HDR, SK {IDi, [N(INITIAL_CONTACT),] [IDr,] AUTH, [N(MOBIKE_SUPPORTED),] [N(USE_TRANSPORT_MODE),] SAi2, TSi, TSr}  -->
///                                      <--  HDR, SK {IDr, AUTH, [N(MOBIKE_SUPPORTED),] [N(USE_TRANSPORT_MODE),] SAr2, TSi, TSr}
/// or without the CHILD_SA (RFC 6023), the IKE SA alone:  HDR, SK {IDi, AUTH} -->   <-- HDR, SK {IDr, AUTH}.
/// A CHILD_SA that cannot be made is answered with a non-fatal Notify (§2.21.3): the IKE SA stands on both sides.
/// </summary>
internal static class IkeAuth
{
    /// <param name="childSpi">Our inbound SPI of the CHILD_SA asked for; null: none (childless, RFC 6023).</param>
    public static IReadOnlyList<IPayload> BuildRequest(IkeSaContext ctx, IkeInitiatorOptions o, byte[] realMessage1, byte[] realMessage2, uint? childSpi)
    {
        var payloads = new List<IPayload>();
        AuthenticationPayload auth;
        if (CertificateSupport.IsEnabled && o.Certificates is { } certs)
        {
            // AUTH = signature over RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload) (RFC 7427 §3)
            var id = certs.Credential.Identity(PayloadType.IDi, o.LocalIdentity);
            var (certificates, signature) = IkeAuthCertificates.Prove(ctx, certs, realMessage1, ctx.Nr, ctx.Keys.SkPi.Span, id, realMessage2);
            payloads.Add(id);
            payloads.AddRange(certificates);
            payloads.Add(certs.Trust.CertificateRequest());
            auth = signature;
        }
        else
        {
            var idi = IdentificationPayload.FromText(PayloadType.IDi, o.LocalIdentity);
            // AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload))
            auth = new AuthenticationPayload(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE,
                PskAuthentication.Compute(ctx.Prf, o.Psk!.Span, realMessage1, ctx.Nr, ctx.Keys.SkPi.Span, idi.BodyBytes(), ctx.IntermediateAuthOctets));
            payloads.Add(idi);
        }
        if (o.InitialContact)
        {
            payloads.Add(new NotifyPayload(NotifyType.INITIAL_CONTACT));
        }
        payloads.Add(IdentificationPayload.FromText(PayloadType.IDr, o.RemoteIdentity));
        payloads.Add(auth);
        if (o.Mobike)
        {
            payloads.Add(new NotifyPayload(NotifyType.MOBIKE_SUPPORTED));
        }
        if (childSpi is not { } spi)
        {
            return payloads;
        }
        if (o.TransportMode)
        {
            payloads.Add(new NotifyPayload(NotifyType.USE_TRANSPORT_MODE));
        }
        payloads.Add(Proposals.Offer(o.ChildProposals, spi));
        payloads.Add(new TrafficSelectorPayload(PayloadType.TSi, o.LocalSelectors));
        payloads.Add(new TrafficSelectorPayload(PayloadType.TSr, o.RemoteSelectors));
        return payloads;
    }

    /// <summary>Initiator: leave the CHILD_SA out of IKE_AUTH (not wanted, and the responder takes that).</summary>
    public static bool Childless(IkeSaContext ctx, IkeInitiatorOptions o) => !o.RequestChildSa && ctx.PeerAcceptsChildless;

    /// <summary>Initiator: authenticate the responder, then take the CHILD_SA it chose.</summary>
    public static AuthOutcome ProcessResponse(IkeSaContext ctx, IkeMessage response, IkeInitiatorOptions o, byte[] realMessage2, uint? childSpi)
    {
        var error = response.Find<NotifyPayload>(n => n.IsError && n.NotifyType is NotifyType.AUTHENTICATION_FAILED
            or NotifyType.INVALID_SYNTAX or NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD);
        if (error is not null)
        {
            return new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, $"responder answered {error.NotifyType}");
        }
        var idr = response.FindId(PayloadType.IDr);
        var auth = response.Find<AuthenticationPayload>();
        if (idr is null || auth is null)
        {
            // strongSwan 6 answers only N(NO_PROPOSAL_CHOSEN) when it cannot install the CHILD_SA: name what came
            string missing = response.Find<NotifyPayload>(n => n.IsError) is { } other ? $"responder answered {other.NotifyType} without IDr and AUTH" : "IKE_AUTH response lacks IDr or AUTH";
            return new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, missing);
        }
        var expected = IdentificationPayload.FromText(PayloadType.IDr, o.RemoteIdentity);
        if (!idr.SameIdentity(expected))
        {
            return new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed,
                $"responder identity {idr.Describe()} is not the expected {expected.Describe()}", TellPeer: true);
        }
        if (CertificateSupport.IsEnabled && o.Certificates is { } certs
            && IkeAuthCertificates.Verify(ctx, certs, response, idr, auth, realMessage2, ctx.Ni, ctx.Keys.SkPr.Span) is { } why)
        {
            return new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, $"responder {idr.ToText()}: {why}", TellPeer: true);
        }
        if (o.Certificates is null && (auth.Method != AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE
            || !PskAuthentication.Verify(ctx.Prf, o.Psk!.Span, realMessage2, ctx.Ni, ctx.Keys.SkPr.Span, idr.BodyBytes(), auth.Data, ctx.IntermediateAuthOctets)))
        {
            return new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, $"responder AUTH ({auth.Method}) does not verify", TellPeer: true);
        }
        ctx.PeerIdentity = idr.ToText();
        ctx.PeerId = idr;
        ctx.Mobike = o.Mobike && response.FindNotify(NotifyType.MOBIKE_SUPPORTED) is not null;

        if (childSpi is not { } ourSpi)
        {
            return new AuthOutcome.Established(null, null);
        }
        var childError = response.Find<NotifyPayload>(n => n.IsError);
        var sa = response.Find<SecurityAssociationPayload>();
        var tsi = response.FindTs(PayloadType.TSi);
        var tsr = response.FindTs(PayloadType.TSr);
        if (childError is not null || sa is null || tsi is null || tsr is null)
        {
            return new AuthOutcome.Established(null, childError?.NotifyType ?? NotifyType.NO_PROPOSAL_CHOSEN);
        }
        if (Proposals.AcceptedEsp(sa, o.ChildProposals) is not var (suite, peerSpi))
        {
            return new AuthOutcome.Established(null, NotifyType.NO_PROPOSAL_CHOSEN);
        }
        bool transport = response.FindNotify(NotifyType.USE_TRANSPORT_MODE) is not null;
        var (iToR, rToI) = ChildKeyMaterial.Derive(ctx.Prf, ctx.Keys.SkD.Span, ctx.Ni, ctx.Nr, suite);
        var child = new ChildSa(suite, ourSpi, peerSpi, inbound: rToI, outbound: iToR, tsi.Selectors, tsr.Selectors, transport, ctx.NatDetected);
        return new AuthOutcome.Established(child, null);
    }

    /// <summary>Responder: authenticate the initiator and answer; the CHILD_SA may fail while the IKE SA stands.</summary>
    public static (IReadOnlyList<IPayload> Response, AuthOutcome Outcome) ProcessRequest(
        IkeSaContext ctx, IkeMessage request, IkeResponderOptions o, byte[] realMessage1, byte[] realMessage2, Func<uint> allocateSpi)
    {
        var failed = (IReadOnlyList<IPayload>)[new NotifyPayload(NotifyType.AUTHENTICATION_FAILED)];
        var idi = request.FindId(PayloadType.IDi);
        var auth = request.Find<AuthenticationPayload>();
        if (idi is null || auth is null)
        {
            return (failed, new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, "IKE_AUTH request lacks IDi or AUTH"));
        }
        var sa = request.Find<SecurityAssociationPayload>();
        var tsi = request.FindTs(PayloadType.TSi);
        var tsr = request.FindTs(PayloadType.TSr);
        bool childless = sa is null && tsi is null && tsr is null;
        if (childless && !o.AcceptChildless)
        {
            return ([new NotifyPayload(NotifyType.INVALID_SYNTAX)], new AuthOutcome.Failed(PeerGoneReason.Refused,
                $"{idi.ToText()} asked for no CHILD_SA, which we did not offer (RFC 6023)"));
        }
        var peer = o.FindPeer(idi);
        if (peer is null)
        {
            return (failed, new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, $"unknown identity {idi.Describe()}"));
        }
        var certs = CertificateSupport.IsEnabled && peer.Psk is null ? o.Certificates() : null;
        if (peer.Psk is null)
        {
            string? why = !CertificateSupport.IsEnabled || certs is null ? "authenticates by certificate, but no certificate and CA are configured"
                : IkeAuthCertificates.Verify(ctx, certs, request, idi, auth, realMessage1, ctx.Nr, ctx.Keys.SkPi.Span);
            if (why is not null)
            {
                return (failed, new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, $"{idi.ToText()}: {why}"));
            }
        }
        else if (auth.Method != AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE
            || !PskAuthentication.Verify(ctx.Prf, peer.Psk.Span, realMessage1, ctx.Nr, ctx.Keys.SkPi.Span, idi.BodyBytes(), auth.Data, ctx.IntermediateAuthOctets))
        {
            return (failed, new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, $"AUTH ({auth.Method}) of {idi.ToText()} does not verify"));
        }
        var ourId = !CertificateSupport.IsEnabled || certs is null ? IdentificationPayload.FromText(PayloadType.IDr, o.LocalIdentity) : certs.Credential.Identity(PayloadType.IDr, o.LocalIdentity);
        if (request.FindId(PayloadType.IDr) is { } wanted && !wanted.SameIdentity(ourId))
        {
            string detail = $"{idi.ToText()} wants to talk to {wanted.Describe()}, not us ({ourId.Describe()})";
            return (failed, new AuthOutcome.Failed(PeerGoneReason.AuthenticationFailed, detail));
        }
        if (peer.RequireMpsaVendorId && !ctx.PeerSupportsMpsa)
        {
            return (failed, new AuthOutcome.Failed(PeerGoneReason.Refused, $"{idi.ToText()} did not send the MPSA Vendor ID"));
        }
        if (peer.RequirePostQuantum && !ctx.Suite.HasAdditionalKe)
        {
            return (failed, new AuthOutcome.Failed(PeerGoneReason.Refused,
                $"{idi.ToText()} used {SuiteNames.KeyExchanges(ctx.Suite)} alone, and its group requires a post-quantum key exchange (require_pq; propose ke1_mlkem768)"));
        }
        ctx.PeerIdentity = idi.ToText();
        ctx.PeerId = idi;

        var response = new List<IPayload> { ourId };
        if (CertificateSupport.IsEnabled && certs is not null)
        {
            // AUTH = signature over RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload) (RFC 7427 §3)
            var (certificates, signature) = IkeAuthCertificates.Prove(ctx, certs, realMessage2, ctx.Ni, ctx.Keys.SkPr.Span, ourId, realMessage1);
            response.AddRange(certificates);
            response.Add(signature);
        }
        else
        {
            // AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload))
            byte[] ourAuth = PskAuthentication.Compute(ctx.Prf, peer.Psk!.Span, realMessage2, ctx.Ni, ctx.Keys.SkPr.Span, ourId.BodyBytes(), ctx.IntermediateAuthOctets);
            response.Add(new AuthenticationPayload(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE, ourAuth));
        }
        if (o.AuthLifetime?.Invoke() is { } lifetime)
        {
            response.Add(AuthLifetime.Notify(lifetime));
        }
        if (o.Mobike && request.FindNotify(NotifyType.MOBIKE_SUPPORTED) is not null)
        {
            response.Add(new NotifyPayload(NotifyType.MOBIKE_SUPPORTED));
            ctx.Mobike = true;
        }

        if (childless)
        {
            // RFC 6023: a childless IKE SA, as our IKE_SA_INIT response allowed
            return (response, new AuthOutcome.Established(null, null));
        }
        if (sa is null || tsi is null || tsr is null)
        {
            // half a CHILD_SA request: refused with a non-fatal Notify (§2.21.3), so that the IKE SA stands on both sides
            var refusal = sa is null ? NotifyType.NO_PROPOSAL_CHOSEN : NotifyType.TS_UNACCEPTABLE;
            response.Add(new NotifyPayload(refusal));
            return (response, new AuthOutcome.Established(null, refusal));
        }
        if (Proposals.ChooseEsp(sa, o.ChildProposals) is not var (suite, number, peerSpi))
        {
            response.Add(new NotifyPayload(NotifyType.NO_PROPOSAL_CHOSEN));
            return (response, new AuthOutcome.Established(null, NotifyType.NO_PROPOSAL_CHOSEN));
        }
        var narrowed = o.NarrowSelectors is null ? (tsi.Selectors, tsr.Selectors) : o.NarrowSelectors(tsi.Selectors, tsr.Selectors);
        if (narrowed is not var (localTsi, localTsr))
        {
            response.Add(new NotifyPayload(NotifyType.TS_UNACCEPTABLE));
            return (response, new AuthOutcome.Established(null, NotifyType.TS_UNACCEPTABLE));
        }
        bool transport = peer.AllowTransportMode && request.FindNotify(NotifyType.USE_TRANSPORT_MODE) is not null;
        uint ourSpi = allocateSpi();
        if (transport)
        {
            response.Add(new NotifyPayload(NotifyType.USE_TRANSPORT_MODE));
        }
        response.Add(new SecurityAssociationPayload([Proposals.ToProposal(suite, number, ourSpi)]));
        response.Add(new TrafficSelectorPayload(PayloadType.TSi, localTsi));
        response.Add(new TrafficSelectorPayload(PayloadType.TSr, localTsr));
        var (iToR, rToI) = ChildKeyMaterial.Derive(ctx.Prf, ctx.Keys.SkD.Span, ctx.Ni, ctx.Nr, suite);
        var child = new ChildSa(suite, ourSpi, peerSpi, inbound: iToR, outbound: rToI, localTsr, localTsi, transport, ctx.NatDetected);
        return (response, new AuthOutcome.Established(child, null));
    }
}

internal abstract record AuthOutcome
{
    /// <param name="TellPeer">The initiator refused the responder: say so in an INFORMATIONAL (RFC 7296 §2.21.2).</param>
    public sealed record Failed(PeerGoneReason Reason, string Detail, bool TellPeer = false) : AuthOutcome;
    /// <param name="Child">The CHILD_SA made with the IKE SA; null when it failed (<paramref name="ChildError"/>) or was not
    /// asked for (both null: childless, RFC 6023).</param>
    public sealed record Established(ChildSa? Child, NotifyType? ChildError) : AuthOutcome
    {
        /// <summary>The CHILD_SA event that follows IkeSaEstablished on either side: made, refused, or none when none was asked for.</summary>
        public void EmitChildEvent(IkeSpi spiR, StepBuilder step)
        {
            if (Child is not null)
            {
                step.Emit(new ChildSaEstablished(spiR, Child));
            }
            else if (ChildError is { } error)
            {
                step.Emit(new ChildSaFailed(spiR, error));
            }
        }
    }
}
