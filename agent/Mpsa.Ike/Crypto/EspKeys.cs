namespace Mpsa.Ike.Crypto;

/// <summary>The keys of one ESP SA direction. Owned by whoever installs the SA: dispose after handing them to the kernel.</summary>
public sealed class EspKeys : IDisposable
{
    internal EspKeys(EspSuite suite, SecretBytes encrKey, SecretBytes integKey)
    {
        Suite = suite;
        EncrKey = encrKey;
        IntegKey = integKey;
    }

    public EspSuite Suite { get; }

    /// <summary>Salt included (last 4 bytes) for AEAD.</summary>
    public SecretBytes EncrKey { get; }

    /// <summary>Zero length for AEAD.</summary>
    public SecretBytes IntegKey { get; }

    public void Dispose()
    {
        EncrKey.Dispose();
        IntegKey.Dispose();
    }

    public override string ToString() => $"EspKeys({Suite}, secret)";
}
