// Worker pools for the kernel tests. WorkerPool(1).Dispose throws (it releases a semaphore by zero),
// so a one-thread pool is the process-wide serial pool, whose Dispose is a no-op.
using FlowGen.Runtime.Cpu;

namespace FlowGen.Runtime.Tests.Cpu;

internal static class TestPools
{
    public static WorkerPool Create(int threads) => threads == 1 ? WorkerPool.Serial : new WorkerPool(threads);
}
