using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace CacheFailover.Redis.Internal;

/// <summary>
/// A race between a command's task and a cancellation token (the engine's deadline) that
/// allocates nothing per use: <c>Task.WaitAsync(token)</c> does the same with a promise and a
/// registration of its own, about 190 bytes per operation at high concurrency, which the healthy
/// path pays on every call.
/// </summary>
/// <remarks>
/// A race object is reused only when all three of its users are done with it: the continuation on
/// the task (which may run long after the token won), the token's callback (unless unregistered
/// before it ran), and the awaiter that reads the result. Until then it stays out of the pool, so a
/// late callback can never touch a newer race.
/// </remarks>
internal sealed class TaskRace<T> : IValueTaskSource<T>
{
    private const int MaxPooled = 256;
    private static readonly ConcurrentQueue<TaskRace<T>> Pool = new();
    private static int _pooled;
    private static readonly Action<object?> OnCancelled = static state => ((TaskRace<T>)state!).Cancelled();

    private readonly Action _onTaskCompleted;
    private ManualResetValueTaskSourceCore<T> _core;
    private Task<T>? _task;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private int _decided;
    private int _users;

    private TaskRace()
    {
        _onTaskCompleted = TaskCompleted;
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary>The task's outcome, or <see cref="OperationCanceledException"/> as soon as <paramref name="token"/> is cancelled, whichever comes first.</summary>
    public static ValueTask<T> Run(Task<T> task, CancellationToken token)
    {
        if (task.IsCompleted || !token.CanBeCanceled)
        {
            return new ValueTask<T>(task);
        }

        if (token.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(token);
        }

        var race = Rent();
        race._task = task;
        race._token = token;
        race._decided = 0;
        race._users = 3;
        var version = race._core.Version;
        race._registration = token.UnsafeRegister(OnCancelled, race);
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(race._onTaskCompleted);
        return new ValueTask<T>(race, version);
    }

    public T GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Release();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private static TaskRace<T> Rent()
    {
        if (Pool.TryDequeue(out var race))
        {
            Interlocked.Decrement(ref _pooled);
            return race;
        }

        return new TaskRace<T>();
    }

    private void TaskCompleted()
    {
        var task = _task!;
        if (Interlocked.Exchange(ref _decided, 1) == 0)
        {
            // The task won: the token's callback will not run once unregistered; if it is running
            // already, it finds the race decided and only releases its use.
            if (_registration.Unregister())
            {
                Release();
            }

            if (task.IsCompletedSuccessfully)
            {
                _core.SetResult(task.Result);
            }
            else if (task.IsCanceled)
            {
                _core.SetException(new TaskCanceledException(task));
            }
            else
            {
                _core.SetException(task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception);
            }
        }
        else
        {
            // The token won long ago; observe the late failure so that it is not reported as unobserved.
            _ = task.Exception;
        }

        Release();
    }

    private void Cancelled()
    {
        if (Interlocked.Exchange(ref _decided, 1) != 0)
        {
            Release();
            return;
        }

        // Completed from the thread pool, not from the token's callback: the awaiter's failure
        // handling (perhaps a failover) must not run on the timer that fires every deadline.
        ThreadPool.UnsafeQueueUserWorkItem(static race =>
        {
            race._core.SetException(new OperationCanceledException(race._token));
            race.Release();
        }, this, preferLocal: false);
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _users) != 0)
        {
            return;
        }

        _task = null;
        _token = default;
        _registration = default;
        _core.Reset();
        if (Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            Pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
        }
    }
}
