// A cheap, deterministic patch sampler for streaming tests: white noise keyed by (seed, index, element)
// through a 64-bit integer hash, so expected values can be recomputed independently of any batching.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

internal sealed class HashPatchSampler(int patchSize = 32, int delayMs = 0, ManualResetEventSlim? gate = null) : IPatchSampler
{
    /// <summary>Set when the first Sample call starts; with a gate, that call then waits for the gate.</summary>
    public ManualResetEventSlim Started { get; } = new(false);

    private int _calls;

    public int PatchSize { get; } = patchSize;
    public double PixelSizeMetres => 90;
    public int Calls => Volatile.Read(ref _calls);

    public void Sample(Span<float> destination, ulong seed, long firstIndex, int count)
    {
        Interlocked.Increment(ref _calls);
        Started.Set();
        gate?.Wait();
        if (delayMs > 0) Thread.Sleep(delayMs);
        int n = PatchSize * PatchSize;
        for (int s = 0; s < count; s++)
            for (int e = 0; e < n; e++)
                destination[s * n + e] = Value(seed, firstIndex + s, e);
    }

    public static float Value(ulong seed, long index, int element)
    {
        ulong h = seed ^ 0x9E3779B97F4A7C15UL * (ulong)(index + 1) ^ 0xC2B2AE3D27D4EB4FUL * (ulong)(element + 7);
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL; h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53UL; h ^= h >> 33;
        return (float)((h >> 40) * (1.0 / (1UL << 24)) * 2 - 1);
    }
}
