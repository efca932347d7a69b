// Scratch arrays of the world code, rented from ArrayPool<float>.Shared and returned on Dispose. A 256² chunk of the
// default world used to allocate a few megabytes of fresh arrays (contexts, blend sums, patch batches); their page faults
// and zeroing took about 5 % of the chunk's CPU time (perf, flowgen bench-stream).
using System.Buffers;

namespace FlowGen.Runtime.Streaming;

/// <summary>A rented float array of at least <see cref="Length"/> elements; zeroed only when asked.</summary>
internal readonly struct ScratchBuffer : IDisposable
{
    /// <summary>Rents <paramref name="length"/> floats; <paramref name="clear"/> zeroes them (for buffers that are accumulated into).</summary>
    public ScratchBuffer(int length, bool clear)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Array = ArrayPool<float>.Shared.Rent(length);
        Length = length;
        if (clear) Span.Clear();
    }

    /// <summary>The rented array (possibly longer than <see cref="Length"/>).</summary>
    public float[] Array { get; }

    /// <summary>Elements asked for.</summary>
    public int Length { get; }

    /// <summary>The first <see cref="Length"/> elements.</summary>
    public Span<float> Span => Array.AsSpan(0, Length);

    public void Dispose() => ArrayPool<float>.Shared.Return(Array);
}
