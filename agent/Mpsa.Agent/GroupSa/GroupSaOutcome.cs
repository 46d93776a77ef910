using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.GroupSa;

/// <summary>
/// What <see cref="GroupSaManager.Receive"/> did with one MPSA_PUT message: all of it carried out (new SAs
/// <see cref="Installed"/>, repeated ones <see cref="Refreshed"/>), or none of it (<see cref="Refusal"/>).
/// </summary>
internal sealed record GroupSaOutcome(MpsaRefusal? Refusal, IReadOnlyList<EspSpi> Installed, IReadOnlyList<EspSpi> Refreshed)
{
    public bool Accepted => Refusal is null;

    public static GroupSaOutcome Refused(MpsaRefusal refusal) => new(refusal, [], []);

    public override string ToString() => Refusal?.ToString()
        ?? $"installed [{string.Join(", ", Installed)}] refreshed [{string.Join(", ", Refreshed)}]";
}
