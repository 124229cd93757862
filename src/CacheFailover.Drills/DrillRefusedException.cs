namespace CacheFailover.Drills;

/// <summary>
/// A drill was refused before anything was injected; the message says why and what to do instead.
/// Nothing changed. Derives from <see cref="InvalidOperationException"/> because the engine's state
/// (or this server's set-up) is what makes the drill impossible, not the caller's arguments.
/// </summary>
public sealed class DrillRefusedException : InvalidOperationException
{
    public DrillRefusedException()
    {
    }

    public DrillRefusedException(string message)
        : base(message)
    {
    }

    public DrillRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
