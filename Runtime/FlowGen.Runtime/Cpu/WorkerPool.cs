// A fixed pool of worker threads for the CPU kernels. Work is split into `count` items that are
// claimed with an atomic counter; every item's result depends only on its index, never on which
// thread ran it, so outputs are bitwise identical for any thread count. Dispatch allocates nothing:
// jobs are preallocated objects implementing IParallelJob.
using System.Diagnostics;

namespace FlowGen.Runtime.Cpu;

/// <summary>A unit of parallel work: <see cref="Execute"/> is called once for every index in [0, count).</summary>
public interface IParallelJob
{
    /// <summary>Runs item <paramref name="index"/>. Must not depend on the calling thread.</summary>
    void Execute(int index);
}

/// <summary>
/// Fixed worker pool. The calling thread takes part, so a pool of N threads starts N-1 workers.
/// One <see cref="For"/> runs at a time per pool (calls are serialised with a lock); kernels of one
/// execution plan share the plan's pool.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly object _dispatchLock = new();
    private readonly SemaphoreSlim _start;
    private readonly ManualResetEventSlim _done = new(false);
    private IParallelJob? _job;
    private int _count;
    private int _next;
    private int _pending;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Creates a pool of <paramref name="threadCount"/> threads (0 = <see cref="Environment.ProcessorCount"/>).</summary>
    public WorkerPool(int threadCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threadCount);
        ThreadCount = threadCount == 0 ? Environment.ProcessorCount : threadCount;
        _start = new SemaphoreSlim(0);
        _threads = new Thread[ThreadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"FlowGen worker {i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>Number of threads that execute work, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>A process-wide single-threaded pool (runs everything on the caller).</summary>
    public static WorkerPool Serial { get; } = new(1);

    /// <summary>Runs <paramref name="job"/> for every index in [0, count) and returns when all are done.</summary>
    public void For(IParallelJob job, int count)
    {
        ArgumentNullException.ThrowIfNull(job);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0) return;
        if (count == 1 || _threads.Length == 0)
        {
            for (int i = 0; i < count; i++) job.Execute(i);
            return;
        }
        lock (_dispatchLock)
        {
            _job = job;
            _count = count;
            _next = 0;
            _failure = null;
            int helpers = Math.Min(_threads.Length, count - 1);
            _pending = helpers + 1;
            _done.Reset();
            _start.Release(helpers);
            Drain();
            if (Interlocked.Decrement(ref _pending) != 0) _done.Wait();
            _job = null;
            if (_failure is { } e) throw new AggregateException("A parallel kernel failed.", e);
        }
    }

    private void Drain()
    {
        var job = _job;
        Debug.Assert(job is not null);
        try
        {
            int i;
            while ((i = Interlocked.Increment(ref _next) - 1) < _count) job.Execute(i);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            Volatile.Write(ref _next, int.MaxValue / 2);
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _start.Wait();
            if (_disposed) return;
            Drain();
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    /// <summary>Stops the workers. Pending <see cref="For"/> calls must have returned.</summary>
    public void Dispose()
    {
        if (_disposed || ReferenceEquals(this, Serial)) return;
        _disposed = true;
        if (_threads.Length > 0) _start.Release(_threads.Length);
        foreach (var t in _threads) t.Join();
        _start.Dispose();
        _done.Dispose();
    }
}
