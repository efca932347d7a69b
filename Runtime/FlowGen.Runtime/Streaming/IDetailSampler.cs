// What a multi-scale world needs from a detail model: seeded patches of terrain detail given the coarser terrain
// under them, keyed by sample index like IPatchSampler.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// Draws the residual detail of square one-channel patches given their coarse context: sample index i of seed s with
/// context c is the same whatever batch produced it. Values in metres. Implementations are thread-safe.
/// </summary>
public interface IDetailSampler
{
    /// <summary>Edge length of a patch in pixels.</summary>
    int PatchSize { get; }

    /// <summary>The context is the terrain's block means over ContextFactor² pixels, Catmull-Rom upsampled to every pixel.</summary>
    int ContextFactor { get; }

    /// <summary>Ground distance between pixels, metres.</summary>
    double PixelSizeMetres { get; }

    /// <summary>The offset from the block grid (pixels along both axes) the patches are to start at, when the model records one
    /// (trained at that offset, or measured best there); null: the world's default.</summary>
    int? ContextPhase => null;

    /// <summary>Whether the model draws for <see cref="ContextPhase"/> only (its phase maps baked in): a world laid at
    /// another offset is refused.</summary>
    bool ContextPhaseBaked => false;

    /// <summary>The correlation of two draws given the same context (in [0, 1)): overlapping patches share their context,
    /// and the world's blend keeps the variance of residuals correlated this much.</summary>
    double DrawCorrelation => 0;

    /// <summary>
    /// Writes <paramref name="rows"/> runs of <paramref name="count"/> patches (run r from index firstIndex + r·<paramref name="rowStride"/>)
    /// into <paramref name="destination"/>, patch k given <paramref name="context"/>'s patch k: the upsampled coarse terrain
    /// over the patch, metres (its mean does not matter). The result is the detail to add to that context.
    /// </summary>
    void SampleRows(Span<float> destination, ReadOnlySpan<float> context, ulong seed, long firstIndex, int count, int rows, long rowStride,
        CancellationToken cancellationToken = default);
}
