namespace Mpsa.Ike.Crypto;

/// <summary>The keys of one IKE SA (RFC 7296 §2.14). Owned by the SA: dispose when it is deleted or rekeyed.</summary>
public sealed class IkeSaKeys : IDisposable
{
    internal IkeSaKeys(IkeSuite suite, SecretBytes skD, SecretBytes skAi, SecretBytes skAr, SecretBytes skEi, SecretBytes skEr, SecretBytes skPi, SecretBytes skPr)
    {
        Suite = suite;
        SkD = skD;
        SkAi = skAi;
        SkAr = skAr;
        SkEi = skEi;
        SkEr = skEr;
        SkPi = skPi;
        SkPr = skPr;
    }

    public IkeSuite Suite { get; }

    /// <summary>Derives CHILD_SA keys (RFC 7296 §2.17) and, in MPSA, travels in MPSA_PUT.</summary>
    public SecretBytes SkD { get; }

    /// <summary>Zero length for AEAD.</summary>
    public SecretBytes SkAi { get; }

    /// <summary>Zero length for AEAD.</summary>
    public SecretBytes SkAr { get; }

    public SecretBytes SkEi { get; }

    public SecretBytes SkEr { get; }

    public SecretBytes SkPi { get; }

    public SecretBytes SkPr { get; }

    /// <summary>
    /// The initiator sends with SK_ei/SK_ai and receives with SK_er/SK_ar; the responder the opposite (RFC 7296 §2.14).
    /// The protections copy the keys: dispose them separately.
    /// </summary>
    public (IEncryptedPayloadProtection Outbound, IEncryptedPayloadProtection Inbound) CreateProtection(bool isInitiator, IRandom random)
    {
        (SecretBytes outE, SecretBytes outA, SecretBytes inE, SecretBytes inA) = isInitiator
            ? (SkEi, SkAi, SkEr, SkAr)
            : (SkEr, SkAr, SkEi, SkAi);
        IEncryptedPayloadProtection outbound = EncryptedPayloadProtection.Create(Suite, outE.Span, outA.Span, random);
        try
        {
            return (outbound, EncryptedPayloadProtection.Create(Suite, inE.Span, inA.Span, random));
        }
        catch
        {
            outbound.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        SkD.Dispose();
        SkAi.Dispose();
        SkAr.Dispose();
        SkEi.Dispose();
        SkEr.Dispose();
        SkPi.Dispose();
        SkPr.Dispose();
    }

    public override string ToString() => $"IkeSaKeys({Suite}, secret)";
}
