namespace CacheFailover.Backends;

/// <summary>
/// Turns a connection string a user typed into a backend. Each backend package contributes one
/// factory; the host asks them in order and takes the first that recognises the string.
/// </summary>
public interface ICacheBackendFactory
{
    /// <summary>True when this factory understands the connection string's form (it may still be invalid).</summary>
    bool CanCreate(string connection);

    /// <summary>
    /// Creates the backend without waiting for the server: a dead server must not block start-up.
    /// Throws <see cref="ArgumentException"/> naming the bad part when the string is malformed;
    /// the message never contains a password.
    /// </summary>
    ICacheBackend Create(string serviceId, string connection);

    /// <summary>The connection string with passwords and tokens replaced by <c>***</c>.</summary>
    string Redact(string connection);
}
