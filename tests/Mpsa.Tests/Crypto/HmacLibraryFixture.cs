using Mpsa.Ike.Crypto;

namespace Mpsa.Tests.Crypto;

/// <summary>
/// Runs a fixture's tests once per library under HMAC-SHA-256: libsodium (the agent) and libcrypto (the controller,
/// <see cref="HmacLibrary.PreferLibcrypto"/>). Not parallelizable: the choice is process-wide.
/// </summary>
[TestFixture("libsodium")]
[TestFixture("libcrypto")]
[NonParallelizable]
public abstract class HmacLibraryFixture
{
    private readonly bool _libcrypto;
    private bool _before;

    protected HmacLibraryFixture(string library) => _libcrypto = library == "libcrypto";

    [SetUp]
    public void UseLibrary()
    {
        _before = Hmac.Sha256OnLibcrypto;
        if (_libcrypto)
        {
            Assert.That(HmacLibrary.PreferLibcrypto(), Is.True, "libcrypto.so.3 loads and passes RFC 4231 case 1 on a Debian server");
        }
        Hmac.Sha256OnLibcrypto = _libcrypto;
    }

    [TearDown]
    public void RestoreLibrary() => Hmac.Sha256OnLibcrypto = _before;
}
