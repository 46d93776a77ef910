using System.Buffers;
using System.Runtime.InteropServices;

namespace Mpsa.Sockets;

/// <summary>
/// Memory from the C heap, not zeroed, seen as <see cref="Memory{T}"/>; it never moves, and it is freed on Dispose
/// (never while a Memory of it is still in use: its owner disposes it last).
/// </summary>
internal sealed unsafe class NativeBlock : MemoryManager<byte>
{
    private readonly int _length;
    private byte* _pointer;

    public NativeBlock(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        _length = length;
        _pointer = (byte*)NativeMemory.Alloc((nuint)length);
    }

    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer is null, this);
            return _pointer;
        }
    }

    public override Span<byte> GetSpan() => new(Pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle(Pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        NativeMemory.Free(_pointer);
        _pointer = null;
    }
}
