namespace CacheFailover.Engine;

/// <summary>One step of a recovery, as it ends: its number (1, 2, …, never repeated) and what was done.</summary>
public readonly record struct RecoveryProgress(int Step, string Message);

/// <summary>Numbers the steps of one recovery for its <see cref="IProgress{T}"/>, if it has one.</summary>
internal sealed class RecoveryProgressSteps(IProgress<RecoveryProgress>? progress)
{
    private int _step;

    public void Report(string message) => progress?.Report(new RecoveryProgress(++_step, message));
}
