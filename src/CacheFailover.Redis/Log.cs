using CacheFailover.Backends;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>
/// The Redis backend's log messages. Event ids 2001–2099 belong to this package. Messages name
/// the service id, never a key or a connection string.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Redis backend {ServiceId}: connection lost ({FailureType}).")]
    public static partial void ConnectionLost(ILogger logger, string serviceId, ConnectionFailureType failureType);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Redis backend {ServiceId}: connected.")]
    public static partial void Connected(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Redis backend {ServiceId}: not connected after the first attempt; reconnecting in the background.")]
    public static partial void FirstConnectFailed(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Redis backend {ServiceId}: creating the connection failed ({ExceptionType}); it will be retried by the next operation.")]
    public static partial void ConnectCrashed(ILogger logger, string serviceId, string exceptionType);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Redis backend {ServiceId}: {Command} failed ({Kind}, {Outcome}).")]
    public static partial void OperationFailed(ILogger logger, string serviceId, string command, CacheFailureKind kind, OperationOutcome outcome);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Redis backend {ServiceId}: a ConnectionStateChanged handler threw.")]
    public static partial void StateHandlerFailed(ILogger logger, string serviceId, Exception exception);
}
