using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace CacheFailover.Redis.Internal;

/// <summary>Classifies a command's failure as the backend contract's exception (the backend's one place for that).</summary>
internal interface ICommandFailures
{
    Exception Classify(Exception exception, string command);
}

/// <summary>The race of <see cref="TaskRace{TRaw, TResult}"/> for a result taken as it is, failures unclassified (the probe's use).</summary>
internal static class TaskRace<T>
{
    private static readonly Func<T, T> Identity = static value => value;

    /// <summary>The task's outcome, or <see cref="OperationCanceledException"/> as soon as <paramref name="token"/> is cancelled, whichever comes first.</summary>
    public static ValueTask<T> Run(Task<T> task, CancellationToken token)
        => task.IsCompleted || !token.CanBeCanceled ? new ValueTask<T>(task) : TaskRace<T, T>.Run(task, Identity, null, string.Empty, null, token);
}

/// <summary>
/// A race between a command's task and a cancellation token (the engine's deadline) that
/// allocates nothing per use: <c>Task.WaitAsync(token)</c> does the same with a promise and a
/// registration of its own, about 190 bytes per operation at high concurrency, which the healthy
/// path pays on every call. It also converts the reply and classifies a failure, so that a
/// backend call needs no async state machine of its own between the library's task and the
/// engine (one continuation per operation, as a direct call to the library has), and it gives a
/// rented copy of the command's arguments back to the pool once the library is done with it.
/// </summary>
/// <remarks>
/// A race object is reused only when all three of its users are done with it: the continuation on
/// the task (which may run long after the token won), the token's callback (unless unregistered
/// before it ran), and the awaiter that reads the result. Until then it stays out of the pool, so a
/// late callback can never touch a newer race.
/// </remarks>
internal sealed class TaskRace<TRaw, TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private const int MaxPooled = 256;
    private static readonly ConcurrentQueue<TaskRace<TRaw, TResult>> Pool = new();
    private static int _pooled;
    private static readonly Func<TRaw, TResult> IgnoreReply = static _ => default!;
    private static readonly Action<object?> OnCancelled = static state => ((TaskRace<TRaw, TResult>)state!).Cancelled();

    private readonly Action _onTaskCompleted;
    private ManualResetValueTaskSourceCore<TResult> _core;
    private Task<TRaw>? _task;
    private Func<TRaw, TResult>? _convert;
    private ICommandFailures? _failures;
    private string _command = string.Empty;
    private byte[]? _rented;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private int _decided;
    private int _users;

    private TaskRace()
    {
        _onTaskCompleted = TaskCompleted;
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary>
    /// The task's result through <paramref name="convert"/>, or its failure through
    /// <paramref name="failures"/> (as it is when null), or <see cref="OperationCanceledException"/>
    /// as soon as <paramref name="token"/> is cancelled, whichever comes first.
    /// <paramref name="rented"/>, when given, goes back to <see cref="ArrayPool{T}.Shared"/> when the
    /// task completes (never earlier: the library may still be writing it after the token won).
    /// </summary>
    public static ValueTask<TResult> Run(Task<TRaw> task, Func<TRaw, TResult> convert, ICommandFailures? failures, string command, byte[]? rented, CancellationToken token)
    {
        if (TryFinish(task, convert, failures, command, rented, out var finished, token))
        {
            return finished;
        }

        var race = Start(task, convert, failures, command, rented, out var version, token);
        return new ValueTask<TResult>(race, version);
    }

    /// <summary>As <see cref="Run"/> for a command whose reply is not wanted (a SET).</summary>
    public static ValueTask RunVoid(Task<TRaw> task, ICommandFailures? failures, string command, byte[]? rented, CancellationToken token)
    {
        if (TryFinish(task, IgnoreReply, failures, command, rented, out var finished, token))
        {
            return finished.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(finished.AsTask());
        }

        var race = Start(task, IgnoreReply, failures, command, rented, out var version, token);
        return new ValueTask(race, version);
    }

    public TResult GetResult(short token)
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

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    /// <summary>The outcome at once when there is no race to run: the task is done, or the token already cancelled.</summary>
    private static bool TryFinish(Task<TRaw> task, Func<TRaw, TResult> convert, ICommandFailures? failures, string command, byte[]? rented, out ValueTask<TResult> finished, CancellationToken token)
    {
        if (task.IsCompleted)
        {
            Return(rented);
            finished = Completed(task, convert, failures, command, token);
            return true;
        }

        if (token.IsCancellationRequested)
        {
            ReturnWhenDone(task, rented);
            finished = ValueTask.FromCanceled<TResult>(token);
            return true;
        }

        finished = default;
        return false;
    }

    private static TaskRace<TRaw, TResult> Start(Task<TRaw> task, Func<TRaw, TResult> convert, ICommandFailures? failures, string command, byte[]? rented, out short version, CancellationToken token)
    {
        var race = Rent();
        race._task = task;
        race._convert = convert;
        race._failures = failures;
        race._command = command;
        race._rented = rented;
        race._token = token;
        race._decided = 0;
        version = race._core.Version;
        if (token.CanBeCanceled)
        {
            race._users = 3;
            race._registration = token.UnsafeRegister(OnCancelled, race);
        }
        else
        {
            race._users = 2;
        }

        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(race._onTaskCompleted);
        return race;
    }

    private static ValueTask<TResult> Completed(Task<TRaw> task, Func<TRaw, TResult> convert, ICommandFailures? failures, string command, CancellationToken token)
    {
        if (task.IsCompletedSuccessfully)
        {
            return new ValueTask<TResult>(convert(task.Result));
        }

        if (task.IsCanceled && token.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TResult>(token);
        }

        return ValueTask.FromException<TResult>(Failure(task, failures, command));
    }

    private static Exception Failure(Task<TRaw> task, ICommandFailures? failures, string command)
    {
        Exception exception = task.IsCanceled
            ? new TaskCanceledException(task)
            : task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
        return failures?.Classify(exception, command) ?? exception;
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void ReturnWhenDone(Task<TRaw> task, byte[]? rented)
    {
        if (rented is not null)
        {
            task.ContinueWith(static (t, buffer) => ArrayPool<byte>.Shared.Return((byte[])buffer!), rented, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static TaskRace<TRaw, TResult> Rent()
    {
        if (Pool.TryDequeue(out var race))
        {
            Interlocked.Decrement(ref _pooled);
            return race;
        }

        return new TaskRace<TRaw, TResult>();
    }

    private void TaskCompleted()
    {
        var task = _task!;

        // The library is done with the command: its arguments may go back to the pool.
        Return(_rented);
        _rented = null;
        if (Interlocked.Exchange(ref _decided, 1) == 0)
        {
            // The task won: the token's callback will not run once unregistered; if it is running
            // already, it finds the race decided and only releases its use.
            if (_token.CanBeCanceled && _registration.Unregister())
            {
                Release();
            }

            if (task.IsCompletedSuccessfully)
            {
                TResult result;
                try
                {
                    result = _convert!(task.Result);
                }
                catch (Exception exception)
                {
                    _core.SetException(_failures?.Classify(exception, _command) ?? exception);
                    Release();
                    return;
                }

                _core.SetResult(result);
            }
            else if (task.IsCanceled && _token.IsCancellationRequested)
            {
                _core.SetException(new OperationCanceledException(_token));
            }
            else
            {
                _core.SetException(Failure(task, _failures, _command));
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
        _convert = null;
        _failures = null;
        _command = string.Empty;
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
