// How many bytes a piece of code allocates on the calling thread, measured so that another thread's garbage
// collection cannot make allocation-free code look allocating. Linked into the training tests as well.
namespace FlowGen.Runtime.Tests;

internal static class AllocationMeter
{
    /// <summary>
    /// The bytes <paramref name="body"/> allocates on the calling thread: the least over up to
    /// <paramref name="attempts"/> runs, stopping at the first run within <paramref name="allowance"/>.
    /// </summary>
    /// <remarks>
    /// GC.GetAllocatedBytesForCurrentThread may charge a thread with part of its allocation buffer when a collection
    /// that another thread set off lands inside the measured run: a loop of plain arithmetic read 0.02-8 KB in about
    /// one run in six under the parallel test suites (CI failed once on it). A real allocation per call is in every
    /// run, so the least of several runs still shows it.
    /// </remarks>
    public static long Allocated(Action body, long allowance = 0, int attempts = 8)
    {
        long least = long.MaxValue;
        for (int i = 0; i < attempts && least > allowance; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            body();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
