using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Members;

/// <summary>A member as `member add` or one line of `member import` gives it, before it is checked: the PSK as text
/// (null: by certificate), and where it came from for messages (<c>FILE:LINE</c>).</summary>
internal sealed record MemberDraft(string Where, string Name, string Identity, string Group, string? Psk, bool RequireVendorId)
{
    /// <summary>The member, or null with <paramref name="problem"/> (never containing the PSK).</summary>
    public MemberConfig? Check(ControllerSettings settings, out string? problem)
    {
        problem = !ValidName(Name) ? $"member name '{Name}' is not 1-64 letters, digits, '.', '_', '-' or '@'"
            : !IdentificationPayload.TryFromText(PayloadType.IDi, Identity, out _, out var idProblem) ? $"member {Name}: identity: {idProblem}"
            : !settings.Groups.ContainsKey(Group) ? $"member {Name}: no [group {Group}] in the configuration (groups: {string.Join(", ", settings.Groups.Keys)})"
            : Psk is null && settings.Certificates is null ? $"member {Name}: no psk, and the controller has no certificate and ca to authenticate it by"
            : null;
        if (problem is not null)
        {
            return null;
        }
        if (Psk is null)
        {
            return new MemberConfig(Name, Identity, null, Group, RequireVendorId);
        }
        if (!SecretFile.TryDecode(Psk, out var secret, out var pskProblem))
        {
            problem = $"member {Name}: psk: {pskProblem}";
            return null;
        }
        try
        {
            return new MemberConfig(Name, Identity, SecretBytes.CopyFrom(secret), Group, RequireVendorId);
        }
        finally
        {
            Array.Clear(secret);
        }
    }

    private static bool ValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');
}
