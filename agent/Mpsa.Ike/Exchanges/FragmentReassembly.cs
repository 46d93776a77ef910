using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>What adding one fragment did.</summary>
public enum FragmentVerdict
{
    /// <summary>Kept; more are missing.</summary>
    Stored,
    /// <summary>The last one missing: <see cref="FragmentReassembly.TakeMessage"/> gives the message.</summary>
    Complete,
    /// <summary>Already held (a retransmission): nothing changed.</summary>
    Duplicate,
    /// <summary>From an older message or an older fragmentation of this one (fewer fragments): ignored.</summary>
    Stale,
    /// <summary>Out of bounds (numbering, count, size) or too late: dropped, and with it what was held of its message.</summary>
    Refused,
}

/// <summary>
/// The decrypted fragments of one message from the peer (RFC 7383 §2.6), put back together in order. One message is
/// assembled at a time: a fragment of a newer Message ID, or of the same message cut into more fragments (the peer
/// retransmits with a smaller size), starts over. Bounded for hostile peers: at most <c>maxFragments</c> fragments and
/// <c>maxBytes</c> of plaintext held, and nothing kept longer than <c>timeout</c> after its first fragment.
/// </summary>
public sealed class FragmentReassembly(int maxFragments, int maxBytes, TimeSpan timeout)
{
    private byte[]?[] _parts = [];
    private uint _messageId;
    private int _total;
    private int _held;
    private int _bytes;
    private PayloadType _firstInner;
    private MonoTime _deadline;

    /// <summary>Fragments held now (0 when nothing is being assembled).</summary>
    public int HeldFragments => _held;

    /// <summary>Bytes held now.</summary>
    public int HeldBytes => _bytes;

    /// <summary>Why the last <see cref="FragmentVerdict.Refused"/> came (for the log line).</summary>
    public string? Problem { get; private set; }

    /// <summary>Adds the plaintext of fragment <paramref name="number"/> of <paramref name="total"/> of message
    /// <paramref name="messageId"/>; <paramref name="nextPayload"/> counts only in fragment 1 (the first inner payload).</summary>
    public FragmentVerdict Add(uint messageId, int number, int total, PayloadType nextPayload, ReadOnlySpan<byte> plaintext, MonoTime now)
    {
        if (_total > 0 && now >= _deadline)
        {
            Clear();
        }
        if (total < 1 || number < 1 || number > total)
        {
            return Refuse($"fragment {number} of {total}: not a fragment number");
        }
        if (total > maxFragments)
        {
            Clear();
            return Refuse($"{total} fragments, more than {maxFragments}");
        }
        if (_total > 0)
        {
            if (messageId < _messageId || (messageId == _messageId && total < _total))
            {
                return FragmentVerdict.Stale;
            }
            if (messageId != _messageId || total != _total)
            {
                Clear();
            }
        }
        if (_total == 0)
        {
            _messageId = messageId;
            _total = total;
            _parts = new byte[]?[total];
            _deadline = now + timeout;
        }
        if (_parts[number - 1] is not null)
        {
            return FragmentVerdict.Duplicate;
        }
        if (_bytes + plaintext.Length > maxBytes)
        {
            Clear();
            return Refuse($"message {messageId}: fragments of more than {maxBytes} bytes");
        }
        _parts[number - 1] = plaintext.ToArray();
        _held++;
        _bytes += plaintext.Length;
        if (number == 1)
        {
            _firstInner = nextPayload;
        }
        return _held == _total ? FragmentVerdict.Complete : FragmentVerdict.Stored;
    }

    /// <summary>After <see cref="FragmentVerdict.Complete"/>: the message's inner payloads in order, and the type of the
    /// first; the reassembly is empty again.</summary>
    public (PayloadType FirstInner, byte[] Payloads) TakeMessage()
    {
        if (_total == 0 || _held != _total)
        {
            throw new InvalidOperationException("The message is not complete.");
        }
        var whole = new byte[_bytes];
        int at = 0;
        foreach (var part in _parts)
        {
            part!.CopyTo(whole, at);
            at += part.Length;
        }
        var first = _firstInner;
        Clear();
        return (first, whole);
    }

    /// <summary>Drops what is held once its time is up (call it from the timer); true when something was dropped.</summary>
    public bool Expire(MonoTime now)
    {
        if (_total == 0 || now < _deadline)
        {
            return false;
        }
        Clear();
        return true;
    }

    private FragmentVerdict Refuse(string problem)
    {
        Problem = problem;
        return FragmentVerdict.Refused;
    }

    private void Clear()
    {
        foreach (var part in _parts)
        {
            if (part is not null)
            {
                Array.Clear(part);
            }
        }
        _parts = [];
        _total = 0;
        _held = 0;
        _bytes = 0;
    }
}
