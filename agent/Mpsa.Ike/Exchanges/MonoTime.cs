namespace Mpsa.Ike.Exchanges;

/// <summary>A monotonic instant in milliseconds. Daemons use Environment.TickCount64; tests start from 0.</summary>
public readonly record struct MonoTime(long Milliseconds) : IComparable<MonoTime>
{
    public static MonoTime operator +(MonoTime t, TimeSpan d) => new(t.Milliseconds + (long)d.TotalMilliseconds);
    public static TimeSpan operator -(MonoTime a, MonoTime b) => TimeSpan.FromMilliseconds(a.Milliseconds - b.Milliseconds);
    public static bool operator <(MonoTime a, MonoTime b) => a.Milliseconds < b.Milliseconds;
    public static bool operator >(MonoTime a, MonoTime b) => a.Milliseconds > b.Milliseconds;
    public static bool operator <=(MonoTime a, MonoTime b) => a.Milliseconds <= b.Milliseconds;
    public static bool operator >=(MonoTime a, MonoTime b) => a.Milliseconds >= b.Milliseconds;

    public static MonoTime Min(MonoTime a, MonoTime b) => a < b ? a : b;

    public static MonoTime? Min(MonoTime? a, MonoTime? b) => a is null ? b : b is null ? a : Min(a.Value, b.Value);

    public int CompareTo(MonoTime other) => Milliseconds.CompareTo(other.Milliseconds);

    public override string ToString() => $"{Milliseconds}ms";
}
