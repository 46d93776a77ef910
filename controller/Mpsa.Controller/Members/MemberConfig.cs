using Mpsa.Ike.Crypto;

namespace Mpsa.Controller.Members;

/// <summary>One configured member: its IKE identity, its PSK (null: it authenticates by certificate), its group.</summary>
internal sealed record MemberConfig(string Name, string Identity, SecretBytes? Psk, string Group, bool RequireVendorId);
