using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Certificates;

/// <summary>
/// The IKE identity must be the certificate's (RFC 7296 §3.5, RFC 4945 §3.1): an FQDN, RFC822 address or IP address
/// must be a subjectAltName of that type; a DN must be the subject (compared as RFC 5280 §7.1 says).
/// </summary>
public static class IdentityBinding
{
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>Null when <paramref name="id"/> names the certificate's holder; otherwise why not.</summary>
    public static string? Check(IdentificationPayload id, X509Certificate2 certificate)
    {
        bool bound = id.IdType switch
        {
            IdType.ID_DER_ASN1_DN => DistinguishedName.Equal(id.Data, certificate.SubjectName.RawData),
            IdType.ID_FQDN => Names(certificate, 2).Exists(n => string.Equals(n, Encoding.UTF8.GetString(id.Data), StringComparison.OrdinalIgnoreCase)),
            IdType.ID_RFC822_ADDR => Names(certificate, 1).Exists(n => string.Equals(n, Encoding.UTF8.GetString(id.Data), StringComparison.OrdinalIgnoreCase)),
            IdType.ID_IPV4_ADDR or IdType.ID_IPV6_ADDR => Names(certificate, 7).Exists(n => n == new IPAddress(id.Data).ToString()),
            _ => false,
        };
        if (bound)
        {
            return null;
        }
        var alt = Names(certificate, 1);
        alt.AddRange(Names(certificate, 2));
        alt.AddRange(Names(certificate, 7));
        return $"identity {id.Describe()} is not in the certificate of '{Subject(certificate)}' "
            + $"(subjectAltName: {(alt.Count == 0 ? "none" : string.Join(", ", alt.ConvertAll(PeerText.Escape)))})";
    }

    public static string Subject(X509Certificate2 certificate) => DistinguishedName.FormatOrHex(certificate.SubjectName.RawData);

    /// <summary>The subjectAltName entries of one GeneralName choice: [1] rfc822Name, [2] dNSName, [7] iPAddress (as text).</summary>
    public static List<string> Names(X509Certificate2 certificate, int choice)
    {
        var found = new List<string>();
        if (certificate.Extensions[SubjectAltNameOid] is not { } ext)
        {
            return found;
        }
        try
        {
            var outer = new AsnReader(ext.RawData, AsnEncodingRules.DER);
            var names = outer.ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.TagClass != TagClass.ContextSpecific || tag.TagValue != choice)
                {
                    names.ReadEncodedValue();
                }
                else if (choice == 7)
                {
                    byte[] ip = names.ReadOctetString(tag);
                    found.Add(ip.Length is 4 or 16 ? new IPAddress(ip).ToString() : Convert.ToHexStringLower(ip));
                }
                else
                {
                    found.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                }
            }
        }
        catch (AsnContentException)
        {
            // a malformed subjectAltName binds nothing
        }
        return found;
    }
}
