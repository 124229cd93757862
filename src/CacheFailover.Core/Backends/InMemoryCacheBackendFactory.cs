namespace CacheFailover.Backends;

/// <summary>Creates in-memory backends from <c>memory</c> or <c>memory://name</c>.</summary>
public sealed class InMemoryCacheBackendFactory(TimeProvider timeProvider) : ICacheBackendFactory
{
    private const string Scheme = "memory://";

    /// <inheritdoc />
    public bool CanCreate(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.Equals("memory", StringComparison.OrdinalIgnoreCase)
            || connection.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public ICacheBackend Create(string serviceId, string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!CanCreate(connection))
        {
            throw new ArgumentException("Not an in-memory connection; use 'memory' or 'memory://name'.", nameof(connection));
        }

        var name = connection.Length > Scheme.Length ? connection[Scheme.Length..] : serviceId;
        if (name.Length == 0 || name.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            // The name is not echoed: whatever was typed there (e.g. user:password@…) is not a name.
            throw new ArgumentException("The in-memory cache name after 'memory://' is invalid: use 1 or more letters, digits, '-', '_' or '.'.", nameof(connection));
        }

        return new InMemoryCacheBackend(name, timeProvider);
    }

    /// <inheritdoc />
    public string Redact(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Security.SecretRedactor.Redact(connection);
    }
}
