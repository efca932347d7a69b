// What a world needs from a flow: seeded batches of square patches, keyed by sample index.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// Draws patches of one channel: sample index i of seed s is the same whatever batch produced it.
/// Values are in physical units (metres for heightmaps). Implementations are thread-safe.
/// </summary>
public interface IPatchSampler
{
    /// <summary>Edge length of a patch in pixels.</summary>
    int PatchSize { get; }

    /// <summary>Ground distance between pixels, metres.</summary>
    double PixelSizeMetres { get; }

    /// <summary>Writes patches <paramref name="firstIndex"/> .. +count-1 (PatchSize² values each, row-major) into <paramref name="destination"/>.</summary>
    void Sample(Span<float> destination, ulong seed, long firstIndex, int count);

    /// <summary>
    /// Writes <paramref name="rows"/> runs of <paramref name="count"/> patches, run r starting at index
    /// firstIndex + r·<paramref name="rowStride"/>, one after another into <paramref name="destination"/>. The same patches as
    /// <see cref="Sample"/> per run; samplers that batch better in one call (FlowPatchSampler) override it. The default
    /// checks <paramref name="cancellationToken"/> between runs.
    /// </summary>
    void SampleRows(Span<float> destination, ulong seed, long firstIndex, int count, int rows, long rowStride, CancellationToken cancellationToken = default)
    {
        int pp = PatchSize * PatchSize;
        for (int r = 0; r < rows; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Sample(destination.Slice(r * count * pp, count * pp), seed, firstIndex + r * rowStride, count);
        }
    }
}
