using System.Net.Sockets;
using CacheFailover.Backends;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>
/// Turns whatever StackExchange.Redis threw into the backend contract's exception: what kind of
/// failure it was and whether the command may have reached the server. The messages are built here
/// from the endpoint (already redacted) and enum names only, never from the library's own message,
/// which can name keys.
/// </summary>
internal static class RedisFailureClassifier
{
    public static CacheBackendException Classify(Exception exception, string endpoint, string command)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var (kind, outcome, reason) = exception switch
        {
            RedisConnectionException connection => ClassifyConnection(connection),
            RedisTimeoutException timeout => (
                CacheFailureKind.Timeout,
                IsUnsent(timeout.Commandstatus) ? OperationOutcome.NotApplied : OperationOutcome.Unknown,
                $"no answer in time (command {Describe(timeout.Commandstatus)})"),
            RedisServerException server => (CacheFailureKind.Server, OperationOutcome.NotApplied, $"the server answered with an error ({server.Kind})"),
            RedisCommandException => (CacheFailureKind.Server, OperationOutcome.NotApplied, "the client refused the command before sending it"),
            ObjectDisposedException => (CacheFailureKind.Connection, OperationOutcome.NotApplied, "the backend has been disposed"),
            TimeoutException => (CacheFailureKind.Timeout, OperationOutcome.Unknown, "no answer in time"),
            IOException or SocketException => (CacheFailureKind.Connection, OperationOutcome.Unknown, "the connection broke"),
            OperationCanceledException => (CacheFailureKind.Connection, OperationOutcome.Unknown, "the command was abandoned by the client"),
            _ => (CacheFailureKind.Server, OperationOutcome.Unknown, $"unexpected {exception.GetType().Name}"),
        };

        return new CacheBackendException(kind, outcome, $"{endpoint}: {command} failed: {reason}; {Describe(outcome)}.", exception);
    }

    /// <summary>The failure kind a dropped connection reports in <see cref="BackendConnectionEventArgs"/>.</summary>
    public static CacheFailureKind KindOf(ConnectionFailureType failureType) => failureType switch
    {
        ConnectionFailureType.AuthenticationFailure
            or ConnectionFailureType.ProtocolFailure
            or ConnectionFailureType.ResponseIntegrityFailure
            or ConnectionFailureType.Loading => CacheFailureKind.Server,
        _ => CacheFailureKind.Connection,
    };

    private static (CacheFailureKind, OperationOutcome, string) ClassifyConnection(RedisConnectionException exception)
    {
        var outcome = exception.CommandStatus switch
        {
            CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog => OperationOutcome.NotApplied,
            CommandStatus.Sent => OperationOutcome.Unknown,

            // No status: only failures that stop a command before any socket is written are safe to call unapplied.
            _ => exception.FailureType is ConnectionFailureType.UnableToConnect
                    or ConnectionFailureType.UnableToResolvePhysicalConnection
                    or ConnectionFailureType.AuthenticationFailure
                    or ConnectionFailureType.CircuitBreaker
                ? OperationOutcome.NotApplied
                : OperationOutcome.Unknown,
        };

        var reason = exception.FailureType == ConnectionFailureType.UnableToResolvePhysicalConnection
            ? "no connection is available"
            : $"connection failure ({exception.FailureType}, command {Describe(exception.CommandStatus)})";
        return (KindOf(exception.FailureType), outcome, reason);
    }

    private static bool IsUnsent(CommandStatus status) => status is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog;

    private static string Describe(CommandStatus status) => status switch
    {
        CommandStatus.WaitingToBeSent => "not yet sent",
        CommandStatus.WaitingInBacklog => "still queued",
        CommandStatus.Sent => "already sent",
        _ => "status unknown",
    };

    private static string Describe(OperationOutcome outcome) => outcome == OperationOutcome.NotApplied
        ? "the command was not applied"
        : "the command may or may not have been applied";
}
