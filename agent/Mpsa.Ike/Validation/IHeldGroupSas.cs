using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Validation;

/// <summary>What the validation step needs to know of the group SAs a CPE already holds.</summary>
public interface IHeldGroupSas
{
    /// <summary>How many group SAs are in the kernel now.</summary>
    int Count { get; }

    /// <summary>Whether <paramref name="spi"/> is held, and if so whether with the keys and suite of <paramref name="put"/>.</summary>
    HeldMatch Match(EspSpi spi, MpsaPut put, EspSuite suite);
}

public enum HeldMatch
{
    NotHeld,
    SameKeys,
    OtherKeys,
}
