using System.Runtime.CompilerServices;

namespace Mpsa.Ike.Wire;

/// <summary>
/// The name of an enum value for a log line, made once per value and kept. A NativeAOT binary names an enum value
/// through reflection data it holds only weakly: after each garbage collection (the agent asks for one every few
/// rekeys) the next <see cref="Enum.ToString()"/> built that data again, allocating and running reflection code on
/// every rekey's log lines. Values past <see cref="Cached"/> (private-use numbers) are named each time.
/// </summary>
public static class EnumText
{
    private const int Cached = 256;   // values below this are kept

    /// <summary>Same text as <c>value.ToString()</c>.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum
    {
        ulong number = Number(value);
        // A race only names a value twice: a reference is written whole.
        return number < Cached ? Names<T>.Plain[number] ??= value.ToString() : value.ToString();
    }

    /// <summary><see cref="Of"/> in lower case (xfrm's "in", "tunnel"), kept the same way.</summary>
    public static string LowerOf<T>(T value)
        where T : struct, Enum
    {
        ulong number = Number(value);
        return number < Cached ? Names<T>.Lower[number] ??= Of(value).ToLowerInvariant() : Of(value).ToLowerInvariant();
    }

    private static ulong Number<T>(T value)
        where T : struct, Enum => Unsafe.SizeOf<T>() switch
        {
            1 => Unsafe.As<T, byte>(ref value),
            2 => Unsafe.As<T, ushort>(ref value),
            4 => Unsafe.As<T, uint>(ref value),
            _ => Unsafe.As<T, ulong>(ref value),
        };

    private static class Names<T>
        where T : struct, Enum
    {
        public static readonly string?[] Plain = new string?[Cached];
        public static readonly string?[] Lower = new string?[Cached];
    }
}
