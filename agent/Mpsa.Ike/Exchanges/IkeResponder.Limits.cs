using System.Net;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>The bookkeeping behind <see cref="ResponderLimits"/>: IKE SAs per source address, payloads per message.</summary>
public sealed partial class IkeResponder
{
    private bool TooManyPayloads(IkeMessage message, IPEndPoint from, StepBuilder step)
    {
        if (message.Payloads.Count <= _o.Limits.MaxPayloads)
        {
            return false;
        }
        step.Emit(new LimitReached(from, "max_payloads", $"{message.Payloads.Count} payloads in {message.Header.Exchange}"));
        return true;
    }

    private void Uncount(ResponderSa sa) => UncountAddress(sa.InitFrom.Address);

    private void UncountAddress(IPAddress address)
    {
        if (_sasByAddress.TryGetValue(address, out int n) && n > 1)
        {
            _sasByAddress[address] = n - 1;
        }
        else
        {
            _sasByAddress.Remove(address);
        }
    }
}
