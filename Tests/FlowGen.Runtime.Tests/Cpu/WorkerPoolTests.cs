// WorkerPool: every index runs exactly once for any thread count, failures surface as one exception
// and leave the pool usable, and pools of every size (one thread included) dispose cleanly.
using FlowGen.Runtime.Cpu;

namespace FlowGen.Runtime.Tests.Cpu;

[Trait("Category", "Kernels")]
public sealed class WorkerPoolTests
{
    private sealed class CountingJob(int count) : IParallelJob
    {
        public readonly int[] Hits = new int[count];
        public int FailAt = -1;

        public void Execute(int index)
        {
            if (index == FailAt) throw new InvalidOperationException($"item {index} failed");
            Interlocked.Increment(ref Hits[index]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void RunsEveryIndexOnceAndDisposes(int threads)
    {
        var pool = new WorkerPool(threads);
        Assert.Equal(threads, pool.ThreadCount);
        foreach (int count in new[] { 0, 1, 2, 7, 1000 })
        {
            var job = new CountingJob(count);
            for (int repeat = 0; repeat < 3; repeat++) pool.For(job, count);
            Assert.All(job.Hits, h => Assert.Equal(3, h));
        }
        pool.Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.For(new CountingJob(2), 2));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task BackToBackAndIdleSeparatedCallsNeitherLoseNorRepeatWork(int threads)
    {
        // Back-to-back calls find the workers still spinning in their semaphore waits; pauses let them block, so the
        // next call must wake them: both paths, many times, from a caller thread that is not the test's.
        using var pool = new WorkerPool(threads);
        var rng = new Random(threads);
        var job = new CountingJob(64);
        int calls = 0;
        var run = Task.Run(() =>
        {
            for (int round = 0; round < 60; round++)
            {
                int burst = rng.Next(1, 200);
                for (int i = 0; i < burst; i++, calls++) pool.For(job, 2 + i % 63);
                if (round % 3 == 0) Thread.Sleep(2); // long enough for idle workers to block
            }
        });
        await run.WaitAsync(TimeSpan.FromSeconds(60)); // TimeoutException: the pool hung
        Assert.True(calls > 60);
        var rng2 = new Random(threads);
        var perIndex = new long[64];
        for (int round = 0; round < 60; round++)
        {
            int burst = rng2.Next(1, 200);
            for (int i = 0; i < burst; i++)
                for (int k = 0; k < 2 + i % 63; k++) perIndex[k]++;
        }
        Assert.Equal(perIndex, job.Hits.Select(h => (long)h));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void AFailingItemIsReportedAndThePoolStaysUsable(int threads)
    {
        using var pool = new WorkerPool(threads);
        var bad = new CountingJob(100) { FailAt = 37 };
        var e = Assert.ThrowsAny<Exception>(() => pool.For(bad, 100));
        Assert.Contains("item 37 failed", (e.InnerException ?? e).Message);
        var good = new CountingJob(100);
        pool.For(good, 100);
        Assert.All(good.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void TheSerialPoolIsNeverDisposed()
    {
        WorkerPool.Serial.Dispose();
        var job = new CountingJob(5);
        WorkerPool.Serial.For(job, 5);
        Assert.All(job.Hits, h => Assert.Equal(1, h));
    }
}
