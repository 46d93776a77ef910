namespace Mpsa.Hosting;

/// <summary>
/// Parses one configuration value. On failure, <paramref name="problem"/> may say more precisely what is
/// wrong (it follows <c>key: </c>); left null, the message is <c>'text' is not EXPECTED</c>.
/// On failure <paramref name="value"/> is a placeholder that nobody reads.
/// </summary>
internal delegate bool TryParseValue<T>(string text, out T value, out string? problem);
