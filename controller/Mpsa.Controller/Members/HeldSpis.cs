using System.Runtime.CompilerServices;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Members;

/// <summary>
/// The group SAs a member holds: the current one, and during a rollover the next and the last. A hash set of so few
/// is three objects per member for the GC to copy (the set, its buckets, its entries); this is one, up to three SAs.
/// </summary>
internal sealed class HeldSpis
{
    private const int Inline = 3;

    [InlineArray(Inline)]
    private struct Slots
    {
        private EspSpi _first;
    }

    private Slots _slots;
    private List<EspSpi>? _more;   // past the third
    private int _count;

    public int Count => _count;

    public bool Contains(EspSpi spi) => IndexOf(spi) >= 0;

    public void Add(EspSpi spi)
    {
        if (Contains(spi))
        {
            return;
        }
        if (_count < Inline)
        {
            _slots[_count] = spi;
        }
        else
        {
            (_more ??= []).Add(spi);
        }
        _count++;
    }

    public bool Remove(EspSpi spi)
    {
        int at = IndexOf(spi);
        if (at >= 0)
        {
            RemoveAt(at);
        }
        return at >= 0;
    }

    public void RemoveWhere(Func<EspSpi, bool> drop)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            if (drop(Get(i)))
            {
                RemoveAt(i);
            }
        }
    }

    private EspSpi Get(int i) => i < Inline ? _slots[i] : _more![i - Inline];

    private void Set(int i, EspSpi spi)
    {
        if (i < Inline)
        {
            _slots[i] = spi;
        }
        else
        {
            _more![i - Inline] = spi;
        }
    }

    /// <summary>The last one takes the removed one's place (the order does not matter).</summary>
    private void RemoveAt(int i)
    {
        _count--;
        Set(i, Get(_count));
        if (_count >= Inline)
        {
            _more!.RemoveAt(_more.Count - 1);
        }
    }

    private int IndexOf(EspSpi spi)
    {
        for (int i = 0; i < _count; i++)
        {
            if (Get(i) == spi)
            {
                return i;
            }
        }
        return -1;
    }
}
