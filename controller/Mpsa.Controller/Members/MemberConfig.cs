using Mpsa.Ike.Crypto;

namespace Mpsa.Controller.Members;

/// <summary>One configured member: its IKE identity, its PSK, its group.</summary>
internal sealed record MemberConfig(string Name, string Identity, SecretBytes Psk, string Group, bool RequireVendorId);
