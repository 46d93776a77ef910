using Mpsa.Ike.Exchanges;

namespace Mpsa.Hosting;

/// <summary>
/// What a <see cref="DriverLoop{TInput}"/> runs: the daemon's one owner of every state machine (quinn's
/// endpoint shape). All three members are called from the loop only, one at a time, so no locks are needed.
/// </summary>
internal interface IDriver<in TInput>
{
    /// <summary>The earliest instant at which <see cref="HandleTimeout"/> must be called; null for none.</summary>
    MonoTime? NextDeadline { get; }

    void HandleInput(TInput input, MonoTime now);

    /// <summary>Called at or after <see cref="NextDeadline"/>; must move it on (calls may be spurious).</summary>
    void HandleTimeout(MonoTime now);
}
