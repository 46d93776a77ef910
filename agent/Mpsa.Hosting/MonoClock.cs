using Mpsa.Ike.Exchanges;

namespace Mpsa.Hosting;

/// <summary>
/// Where daemons get <see cref="MonoTime"/>: milliseconds of a monotonic clock. The system clock is
/// <see cref="Environment.TickCount64"/> (CLOCK_MONOTONIC, not moved by date changes); a
/// <see cref="TimeProvider"/> gives the same scale, so tests can drive time by hand. Within one step of the
/// driver loop, use <see cref="DriverLoop{TInput}.Now"/> so every state machine sees the same instant.
/// </summary>
internal static class MonoClock
{
    public static MonoTime Now => new(Environment.TickCount64);

    /// <summary>The provider's timestamp in milliseconds; the system provider gives <see cref="Now"/>.</summary>
    public static MonoTime From(TimeProvider? time) =>
        time is null || ReferenceEquals(time, TimeProvider.System) ? Now
            : new MonoTime((long)((Int128)time.GetTimestamp() * 1000 / time.TimestampFrequency));
}
