using System.Net.Sockets;
using CacheFailover.Backends;
using StackExchange.Redis;

namespace CacheFailover.Redis.Tests;

public sealed class RedisFailureClassifierTests
{
    private const string Endpoint = "redis://:***@cache:6379";

    public static TheoryData<Exception, CacheFailureKind, OperationOutcome> Cases => new()
    {
        { new RedisConnectionException(ConnectionFailureType.UnableToResolvePhysicalConnection, CommandFlags.None, "No connection is active/available", null, CommandStatus.WaitingToBeSent), CacheFailureKind.Connection, OperationOutcome.NotApplied },
        { new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "SocketFailure", null, CommandStatus.WaitingInBacklog), CacheFailureKind.Connection, OperationOutcome.NotApplied },
        { new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "SocketFailure", null, CommandStatus.Sent), CacheFailureKind.Connection, OperationOutcome.Unknown },
        { new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "closed", null, CommandStatus.Unknown), CacheFailureKind.Connection, OperationOutcome.Unknown },
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "refused", null, CommandStatus.Unknown), CacheFailureKind.Connection, OperationOutcome.NotApplied },
        { new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, CommandFlags.None, "auth", null, CommandStatus.Unknown), CacheFailureKind.Server, OperationOutcome.NotApplied },
        { new RedisTimeoutException(CommandFlags.None, "Timeout", CommandStatus.WaitingToBeSent), CacheFailureKind.Timeout, OperationOutcome.NotApplied },
        { new RedisTimeoutException(CommandFlags.None, "Timeout", CommandStatus.WaitingInBacklog), CacheFailureKind.Timeout, OperationOutcome.NotApplied },
        { new RedisTimeoutException(CommandFlags.None, "Timeout", CommandStatus.Sent), CacheFailureKind.Timeout, OperationOutcome.Unknown },
        { new RedisTimeoutException(CommandFlags.None, "Timeout", CommandStatus.Unknown), CacheFailureKind.Timeout, OperationOutcome.Unknown },
        { new RedisServerException(RedisErrorKind.OutOfMemory, CommandFlags.None, "OOM command not allowed when used memory > 'maxmemory'."), CacheFailureKind.Server, OperationOutcome.NotApplied },
        { new ObjectDisposedException("ConnectionMultiplexer"), CacheFailureKind.Connection, OperationOutcome.NotApplied },
        { new TimeoutException(), CacheFailureKind.Timeout, OperationOutcome.Unknown },
        { new SocketException((int)SocketError.ConnectionReset), CacheFailureKind.Connection, OperationOutcome.Unknown },
        { new InvalidOperationException("surprise"), CacheFailureKind.Server, OperationOutcome.Unknown },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_LibraryException_MapsToKindAndOutcome(Exception exception, CacheFailureKind kind, OperationOutcome outcome)
    {
        var failure = RedisFailureClassifier.Classify(exception, Endpoint, "GET");

        Assert.Equal(kind, failure.Kind);
        Assert.Equal(outcome, failure.Outcome);
        Assert.Same(exception, failure.InnerException);
        Assert.StartsWith($"{Endpoint}: GET failed: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ServerErrorQuotingAKey_KeepsOnlyTheErrorCode()
    {
        var failure = RedisFailureClassifier.Classify(new RedisServerException(RedisErrorKind.WrongType, CommandFlags.None, "WRONGTYPE Operation against a key holding the wrong kind of value: user:42:secret"), Endpoint, "GET");

        Assert.Contains("(WrongType)", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("user:42", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_LibraryMessageQuotingAKey_IsNotCopied()
    {
        var failure = RedisFailureClassifier.Classify(new RedisTimeoutException(CommandFlags.None, "Timeout performing GET user:42:secret", CommandStatus.Sent), Endpoint, "GET");

        Assert.DoesNotContain("user:42", failure.Message, StringComparison.Ordinal);
        Assert.Contains("may or may not have been applied", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ConnectionFailureType.SocketFailure, CacheFailureKind.Connection)]
    [InlineData(ConnectionFailureType.SocketClosed, CacheFailureKind.Connection)]
    [InlineData(ConnectionFailureType.UnableToConnect, CacheFailureKind.Connection)]
    [InlineData(ConnectionFailureType.AuthenticationFailure, CacheFailureKind.Server)]
    [InlineData(ConnectionFailureType.Loading, CacheFailureKind.Server)]
    public void KindOf_ConnectionFailureType_MapsToKind(ConnectionFailureType failureType, CacheFailureKind expected)
    {
        Assert.Equal(expected, RedisFailureClassifier.KindOf(failureType));
    }
}
