namespace Mpsa.Hosting;

/// <summary>
/// What <see cref="SecretFile.Read"/> found: the secret, or an error; and possibly a warning about the
/// file's mode. The caller owns <see cref="Secret"/> (wrap it in a SecretBytes, or zero it when done).
/// </summary>
internal sealed class SecretFileResult(byte[]? secret, ConfigError? error, ConfigError? warning)
{
    public byte[]? Secret { get; } = secret;

    public ConfigError? Error { get; } = error;

    public ConfigError? Warning { get; } = warning;

    /// <summary>Never shows the secret.</summary>
    public override string ToString() =>
        Secret is { } s ? $"[secret, {s.Length} bytes]{(Warning is null ? "" : $", {Warning}")}" : $"{Error}";
}
