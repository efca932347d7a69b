// Process-wide settings of the training engine: the worker pool its parallel ops share.
using FlowGen.Runtime.Cpu;

namespace FlowGen.Training.Autodiff;

/// <summary>The worker pool training ops run on (default: one thread; `flowgen train --threads` sets it).</summary>
public static class Engine
{
    private static WorkerPool s_pool = WorkerPool.Serial;

    /// <summary>The pool used by parallel ops.</summary>
    public static WorkerPool Pool => s_pool;

    /// <summary>Replaces the pool with one of <paramref name="threads"/> threads (the old one is disposed).</summary>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (threads == s_pool.ThreadCount) return;
        var old = s_pool;
        s_pool = threads == 1 ? WorkerPool.Serial : new WorkerPool(threads);
        old.Dispose();
    }

    /// <summary>Runs <paramref name="body"/> for every index in [0, count) on the pool. Each index must
    /// write only its own outputs, so results do not depend on the thread count.</summary>
    internal static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || s_pool.ThreadCount == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        s_pool.For(new ActionJob(body), count);
    }

    /// <summary>Elements per item of <see cref="ForRange"/>: large enough to amortise a dispatch, small
    /// enough that a hidden activation (N·64·H·W) splits into dozens of items.</summary>
    internal const int RangeGrain = 1 << 15;

    /// <summary>Runs <paramref name="body"/>(start, count) over [0, length) in fixed chunks of
    /// <see cref="RangeGrain"/> on the pool (elementwise kernels: each chunk writes only its own range).</summary>
    internal static void ForRange(int length, Action<int, int> body)
    {
        int chunks = (length + RangeGrain - 1) / RangeGrain;
        if (chunks <= 1)
        {
            if (length > 0) body(0, length);
            return;
        }
        For(chunks, c => body(c * RangeGrain, Math.Min(RangeGrain, length - c * RangeGrain)));
    }

    private sealed class ActionJob(Action<int> body) : IParallelJob
    {
        public void Execute(int index) => body(index);
    }
}
