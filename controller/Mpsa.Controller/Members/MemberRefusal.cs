using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Members;

/// <summary>
/// A member's refusal of one group SA (docs/PROTOCOL.md "Refusals"): the member does not hold it. TEMPORARY_FAILURE
/// (kernel refused, no room) is pushed again with backoff while the SA is in use; every other Notify is final.
/// </summary>
internal sealed class MemberRefusal(EspSpi spi, NotifyType notify, MonoTime at)
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(60);

    public EspSpi Spi { get; } = spi;
    public NotifyType Notify { get; private set; } = notify;
    public MonoTime FirstAt { get; } = at;
    public MonoTime LastAt { get; private set; } = at;
    public int Count { get; private set; } = 1;

    /// <summary>When to push the SA again; null when the refusal is final.</summary>
    public MonoTime? RetryAt { get; private set; } = IsTransient(notify) ? at + FirstRetry : null;

    public bool Transient => IsTransient(Notify);

    public static bool IsTransient(NotifyType notify) => notify == NotifyType.TEMPORARY_FAILURE;

    /// <summary>The same SA refused again: the wait doubles, up to <see cref="MaxRetry"/>.</summary>
    public void Again(NotifyType notify, MonoTime at)
    {
        Notify = notify;
        LastAt = at;
        Count++;
        var wait = TimeSpan.FromTicks(Math.Min(MaxRetry.Ticks, FirstRetry.Ticks << Math.Min(Count - 1, 10)));
        RetryAt = IsTransient(notify) ? at + wait : null;
    }

    /// <summary>The retry was sent; the next one waits for the member's answer.</summary>
    public void Retried() => RetryAt = null;

    /// <summary>What the refusal means, for status and logs.</summary>
    public string Reason => Notify switch
    {
        NotifyType.INVALID_SYNTAX => "the member found the MPSA_PUT malformed or against the draft's rules",
        NotifyType.NO_PROPOSAL_CHOSEN => "the member will not use this SA's algorithms (or the Vendor ID was missing)",
        NotifyType.TEMPORARY_FAILURE => "the member's kernel refused the SA or it had no room; retried",
        _ => "refused",
    };
}
